"""Campaigns in the console: their petitions' delivery to targets."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import Campaign
from campaign.services import counts, petitions
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp


@bp.get("/campaigns")
@coordinator_required
def campaign_list() -> str:
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())))
    counts.refresh_stale_counts(campaigns)
    return render_template("console/campaigns.html", campaigns=campaigns)


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
        except petitions.PetitionError as exc:
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
