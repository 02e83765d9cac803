"""Portal views: partner staff act only for their own organization."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.accounts.models import Account, Role
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.campaigns.services import open_campaigns
from campaign.core.errors import NotFound, Refused
from campaign.extensions import db
from campaign.partners import endorsements, profiles, teams
from campaign.partners.models import Partner
from campaign.web import Page
from campaign.web.access import current_actor, partner_required
from campaign.web.portal import bp
from campaign.web.portal.forms import EndorseForm, InviteMemberForm, ProfileForm, RoleForm


def _render_home(
    form: EndorseForm | None = None,
    refused: str | None = None,
    status: int = 200,
    failed_campaign: int | None = None,
) -> tuple[str, int]:
    partner = _own_partner()
    html = render_template(
        "portal/home.html",
        partner=partner,
        campaigns=open_campaigns(),
        endorsed=endorsements.endorsed_campaign_ids(partner.id),
        form=form or EndorseForm(),
        refused=refused,
        failed_campaign=failed_campaign,
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
        return _render_home(form, status=400, failed_campaign=campaign_id)
    try:
        endorsements.endorse(current_actor(), current_user, campaign_id, form.statement.data or "")
    except Refused as exc:
        return _render_home(form, refused=str(exc), status=409, failed_campaign=campaign_id)
    flash("Your organization now endorses this campaign.")
    return redirect(url_for("portal.home"), 303)


@bp.route("/campaigns/<int:campaign_id>/withdraw", methods=["GET", "POST"])
@partner_required(admin=True)
def withdraw(campaign_id: int) -> Page:
    """GET asks for confirmation; POST withdraws. Drafts are nobody's business yet."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        abort(404)
    if request.method == "GET":
        return render_template("portal/confirm_withdraw.html", campaign=campaign)
    try:
        endorsements.withdraw(current_actor(), current_user, campaign.id)
    except Refused as exc:
        return _render_home(refused=str(exc), status=409)
    flash(f"Your endorsement of {campaign.title} is withdrawn.")
    return redirect(url_for("portal.home"), 303)


def _own_partner() -> Partner:
    partner = db.session.get(Partner, current_user.partner_id)
    # partner_required saw a partner_id, and its foreign key keeps the partner's row.
    assert partner is not None
    return partner


@bp.route("/profile", methods=["GET", "POST"])
@partner_required(admin=True)
def profile() -> Page:
    partner = _own_partner()
    form = ProfileForm(obj=partner)
    if form.is_submitted():
        if form.validate():
            upload = form.new_logo.data
            try:
                profiles.update_profile(
                    current_actor(),
                    current_user,
                    form.mission.data,
                    form.website.data,
                    upload.read() if upload and upload.filename else None,
                )
            except Refused as exc:
                db.session.rollback()
                return render_template(
                    "portal/profile.html", form=form, partner=partner, refused=str(exc)
                ), 400
            flash("Your profile is saved.")
            return redirect(url_for("portal.profile"), 303)
        return render_template("portal/profile.html", form=form, partner=partner), 400
    return render_template("portal/profile.html", form=form, partner=partner)


def _team_page(
    form: InviteMemberForm | None = None, refused: str | None = None, status: int = 200
) -> tuple[str, int]:
    partner = _own_partner()
    html = render_template(
        "portal/team.html",
        partner=partner,
        members=teams.team(partner.id),
        form=form or InviteMemberForm(),
        role_form=RoleForm(),
        refused=refused,
    )
    return html, status


def _own_member(member_id: int) -> Account:
    """A member of the signed-in admin's own organization, else 404 (even if it exists)."""
    try:
        return teams.teammate(current_user, member_id)
    except NotFound:
        abort(404)


@bp.get("/team")
@partner_required()
def team() -> tuple[str, int]:
    return _team_page()


@bp.post("/team/invite")
@partner_required(admin=True)
def invite_member() -> Page:
    form = InviteMemberForm()
    if not form.validate():
        return _team_page(form, status=400)
    try:
        teams.invite_member(
            current_actor(), current_user, form.email.data, Role(form.role.data), form.name.data
        )
    except Refused as exc:
        return _team_page(form, refused=str(exc), status=400)
    flash(f"An invitation is on its way to {form.email.data}.")
    return redirect(url_for("portal.team"), 303)


@bp.post("/team/<int:member_id>/role")
@partner_required(admin=True)
def change_role(member_id: int) -> Page:
    _own_member(member_id)
    form = RoleForm()
    if not form.validate():
        return _team_page(status=400)
    try:
        member = teams.change_role(current_actor(), current_user, member_id, Role(form.role.data))
    except NotFound:
        abort(404)
    except Refused as exc:
        return _team_page(refused=str(exc), status=409)
    now = "an administrator" if member.is_partner_admin else "a member"
    flash(f"{member.name or member.email} is now {now}.")
    return redirect(url_for("portal.team"), 303)


@bp.route("/team/<int:member_id>/remove", methods=["GET", "POST"])
@partner_required(admin=True)
def remove_member(member_id: int) -> Page:
    """GET asks for confirmation; POST removes."""
    member = _own_member(member_id)
    if request.method == "GET":
        return render_template("portal/confirm_remove.html", member=member)
    try:
        teams.remove_member(current_actor(), current_user, member.id)
    except Refused as exc:
        return _team_page(refused=str(exc), status=409)
    flash(f"{member.name or member.email} no longer has access.")
    return redirect(url_for("portal.team"), 303)
