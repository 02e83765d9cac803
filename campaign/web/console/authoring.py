"""Writing campaigns in the console: new, edit, a preview of the public page as it will look,
and the steps of a campaign's life (open, close, reopen), each after a confirmation page."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaign.campaigns import authoring, lifecycle
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.campaigns.services import public_endorsements
from campaign.core.db import utcnow
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.targets.models import Target
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.console.choosing import chosen_targets, list_choices, target_choices
from campaign.web.console.forms import CampaignForm
from campaign.web.fields import beside_its_field, end_of_day, id_argument

# A refusal's field in the service, and the form field that shows it.
FORM_FIELD = {"closes_at": "closes_on"}


def _form(campaign: Campaign | None = None) -> CampaignForm:
    editing_get = campaign is not None and request.method == "GET"
    form = CampaignForm(obj=campaign) if editing_get else CampaignForm()
    chosen = [t.id for t in campaign.targets] if campaign else []
    form.targets.choices = target_choices(chosen + (form.targets.data or []))
    form.target_list.choices = list_choices()
    if campaign is not None and editing_get:
        form.targets.data = chosen
        form.extra_milestones.data = ", ".join(str(m) for m in campaign.extra_milestones)
        form.closes_on.data = (
            (campaign.closes_at - timedelta(days=1)).date() if campaign.closes_at else None
        )
    return form


def _closes_at(form: CampaignForm) -> datetime | None:
    return end_of_day(form.closes_on.data) if form.closes_on.data else None


def _draft(form: CampaignForm) -> authoring.CampaignDraft:
    upload = request.files.get(form.share_image.name)
    return authoring.CampaignDraft(
        title=form.title.data,
        summary=form.summary.data,
        ask=form.ask.data,
        rationale=form.rationale.data or "",
        goal=form.goal.data,
        slug=form.slug.data or "",
        extra_milestones=getattr(form, "milestones", []),
        closes_at=_closes_at(form),
        target_ids=chosen_targets(form.targets.data, form.target_list.data),
        share_image=upload.read() if upload and upload.filename else None,
    )


def _preview(form: CampaignForm, campaign: Campaign | None) -> Campaign:
    """The public page's campaign as the form would make it; never added to the session."""
    ids = chosen_targets(form.targets.data, form.target_list.data)
    return Campaign(
        title=form.title.data or "",
        summary=form.summary.data or "",
        ask=form.ask.data or "",
        rationale=form.rationale.data or "",
        goal=form.goal.data if isinstance(form.goal.data, int) else 0,
        status=campaign.status if campaign else CampaignStatus.DRAFT,
        confirmed_count=campaign.confirmed_count if campaign else 0,
        targets=list(db.session.scalars(select(Target).where(Target.id.in_(ids)))) if ids else [],
    )


def _page(
    form: CampaignForm,
    campaign: Campaign | None,
    status: int = 200,
    refused: str | None = None,
    preview: Campaign | None = None,
) -> tuple[str, int]:
    html = render_template(
        "console/campaign_form.html",
        form=form,
        campaign=campaign,
        refused=refused,
        preview=preview,
    )
    return html, status


def _save(form: CampaignForm, campaign: Campaign | None) -> Page:
    """The form's POST: show the preview, or save and go to the campaign."""
    if not form.validate():
        return _page(form, campaign, 400)
    if form.preview.data:
        return _page(form, campaign, preview=_preview(form, campaign))
    try:
        if campaign is None:
            campaign = authoring.create_campaign(current_actor(), _draft(form))
            flash("The draft is saved. Preview it, then open it for signatures.")
        else:
            authoring.edit_campaign(current_actor(), campaign.id, _draft(form))
            flash("The campaign is saved.")
    except Refused as exc:
        db.session.rollback()
        # An open campaign's form has no address field: its refusal shows above the form.
        slug_fixed = exc.field == "slug" and campaign and campaign.status != CampaignStatus.DRAFT
        if not slug_fixed and beside_its_field(form, exc, FORM_FIELD.get(exc.field or "")):
            return _page(form, campaign, exc.status)
        return _page(form, campaign, exc.status, refused=str(exc))
    return redirect(url_for("console.campaign", campaign_id=campaign.id), 303)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@coordinator_required
def new_campaign() -> Page:
    form = _form()
    if form.is_submitted():
        return _save(form, None)
    return _page(form, None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_campaign(campaign_id: int) -> Page:
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = _form(campaign)
    if form.is_submitted():
        return _save(form, campaign)
    return _page(form, campaign)


@bp.post("/campaigns/preview")
@coordinator_required
def campaign_preview() -> str:
    """The live preview: the public page's text for what the form holds now (the console's
    script sends the form as it is typed)."""
    campaign_id = id_argument(request.args.get("campaign", ""))
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    form = _form(campaign)
    form.validate()  # fills in what it can; the preview shows what was typed
    return render_template("console/_campaign_preview.html", preview=_preview(form, campaign))


STEPS = {
    "open": (lifecycle.open_campaign, "The campaign is open for signatures."),
    "close": (lifecycle.close_campaign, "The campaign is closed; its page stays up."),
}


@bp.route("/campaigns/<int:campaign_id>/<any(open, close):step>", methods=["GET", "POST"])
@coordinator_required
def campaign_step(campaign_id: int, step: str) -> Page:
    """GET says what opening (or reopening) or closing will do; POST does it."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    refused = None
    if request.method == "POST":
        action, done = STEPS[step]
        try:
            action(current_actor(), campaign.id)
        except Refused as exc:
            db.session.rollback()
            refused = str(exc)
        else:
            flash(done)
            return redirect(url_for("console.campaign", campaign_id=campaign.id), 303)
    html = render_template(
        "console/campaign_step.html",
        campaign=campaign,
        step=step,
        endorsers=len(public_endorsements(campaign)),
        date_passed=campaign.closes_at is not None and campaign.closes_at <= utcnow(),
        refused=refused,
    )
    return (html, 409) if refused else html
