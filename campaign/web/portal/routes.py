"""Portal views: partner staff act only for their own organization."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from campaign.extensions import db
from campaign.models import Campaign, Partner
from campaign.services import partners
from campaign.services.campaigns import open_campaigns
from campaign.web.access import current_actor, partner_required
from campaign.web.portal import bp
from campaign.web.portal.forms import EndorseForm

Page = str | Response | tuple[str, int]


def _render_home(
    form: EndorseForm | None = None, refused: str | None = None, status: int = 200
) -> tuple[str, int]:
    partner = db.session.get(Partner, current_user.partner_id)
    html = render_template(
        "portal/home.html",
        partner=partner,
        campaigns=open_campaigns(),
        endorsed=partners.endorsed_campaign_ids(partner.id),
        form=form or EndorseForm(),
        refused=refused,
    )
    return html, status


@bp.get("/")
@partner_required()
def home() -> tuple[str, int]:
    return _render_home()


@bp.post("/campaigns/<int:campaign_id>/endorse")
@partner_required(admin=True)
def endorse(campaign_id: int) -> Page:
    form = EndorseForm()
    if not form.validate():
        return _render_home(form, status=400)
    try:
        partners.endorse(current_actor(), current_user, campaign_id, form.statement.data or "")
    except partners.PartnerError as exc:
        return _render_home(form, refused=str(exc), status=409)
    flash("Your organization now endorses this campaign.")
    return redirect(url_for("portal.home"), 303)


@bp.route("/campaigns/<int:campaign_id>/withdraw", methods=["GET", "POST"])
@partner_required(admin=True)
def withdraw(campaign_id: int) -> Page:
    """GET asks for confirmation; POST withdraws."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if request.method == "GET":
        return render_template("portal/confirm_withdraw.html", campaign=campaign)
    try:
        partners.withdraw(current_actor(), current_user, campaign.id)
    except partners.PartnerError as exc:
        return _render_home(refused=str(exc), status=409)
    flash(f"Your endorsement of {campaign.title} is withdrawn.")
    return redirect(url_for("portal.home"), 303)
