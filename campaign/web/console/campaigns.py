"""Campaigns in the console: their petitions' delivery to targets."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaign.campaigns import counts, holds
from campaign.campaigns.models import Campaign
from campaign.campaigns.services import set_targets
from campaign.core.errors import Refused
from campaign.deliveries import petitions
from campaign.deliveries import responses as target_responses
from campaign.extensions import db
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.console.choosing import chosen_targets, list_choices, target_choices
from campaign.web.console.forms import CampaignTargetsForm, ResponseForm


@bp.get("/campaigns")
@coordinator_required
def campaign_list() -> str:
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())))
    counts.refresh_stale_counts(campaigns)
    return render_template(
        "console/campaigns.html", campaigns=campaigns, held=holds.held_by_campaign()
    )


@bp.route("/campaigns/<int:campaign_id>/deliver", methods=["GET", "POST"])
@coordinator_required
def deliver_petition(campaign_id: int) -> Page:
    """GET previews the email each target will get (or shows how the delivery went);
    POST sends them."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    refused = None
    if request.method == "POST":
        try:
            sent = petitions.deliver_petition(current_actor(), campaign.id)
        except Refused as exc:
            refused = str(exc)
        else:
            flash(f"The petition is on its way to {sent} target{'s' if sent != 1 else ''}.")
            return redirect(url_for("console.deliver_petition", campaign_id=campaign.id), 303)
    html = render_template(
        "console/deliver_petition.html",
        campaign=campaign,
        refused=refused,
        preview=None if campaign.delivered_at else petitions.preview_petition(campaign),
        deliveries=petitions.petition_deliveries(campaign),
        by_state=sorted(counts.confirmed_by_state(campaign.id).items()),
    )
    return (html, 409) if refused else html


def _targets_form(campaign: Campaign) -> CampaignTargetsForm:
    form = CampaignTargetsForm()
    form.targets.choices = target_choices([t.id for t in campaign.targets])
    form.target_list.choices = list_choices()
    if request.method == "GET":
        form.targets.data = [t.id for t in campaign.targets]
    return form


def _response_form(campaign: Campaign) -> ResponseForm:
    form = ResponseForm()
    form.target.choices = [(t.id, t.name) for t in campaign.targets]
    return form


def _campaign_page(campaign: Campaign, status: int = 200, **forms: object) -> tuple[str, int]:
    html = render_template(
        "console/campaign.html",
        campaign=campaign,
        targets_form=forms.get("targets_form") or _targets_form(campaign),
        response_form=forms.get("response_form") or _response_form(campaign),
        responses=target_responses.responses_to(campaign),
        refused=forms.get("refused"),
    )
    return html, status


@bp.get("/campaigns/<int:campaign_id>")
@coordinator_required
def campaign(campaign_id: int) -> tuple[str, int]:
    return _campaign_page(db.session.get(Campaign, campaign_id) or abort(404))


@bp.post("/campaigns/<int:campaign_id>/targets")
@coordinator_required
def campaign_targets(campaign_id: int) -> Page:
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = _targets_form(campaign)
    if not form.validate():
        return _campaign_page(campaign, 400, targets_form=form)
    set_targets(
        current_actor(), campaign.id, chosen_targets(form.targets.data, form.target_list.data)
    )
    flash("The campaign's targets are saved.")
    return redirect(url_for("console.campaign", campaign_id=campaign.id), 303)


@bp.post("/campaigns/<int:campaign_id>/responses")
@coordinator_required
def campaign_response(campaign_id: int) -> Page:
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = _response_form(campaign)
    if not form.validate():
        return _campaign_page(campaign, 400, response_form=form)
    try:
        target_responses.record_response(
            current_actor(),
            campaign,
            target_responses.ResponseRecord(
                form.target.data, form.responded_on.data, form.summary.data, form.link.data
            ),
        )
    except Refused as exc:
        return _campaign_page(campaign, 409, response_form=form, refused=str(exc))
    flash("The answer is recorded and shown on the campaign page.")
    return redirect(url_for("console.campaign", campaign_id=campaign.id), 303)
