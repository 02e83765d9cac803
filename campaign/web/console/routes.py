"""Console views: coordinators only; thin, each calls a service."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from campaign.accounts import services as accounts
from campaign.accounts.models import Account
from campaign.appeals.progress import under_way
from campaign.campaigns import counts, holds, milestones
from campaign.campaigns.services import open_campaigns
from campaign.core.audit import AuditEvent
from campaign.core.db import contains
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.letters import lists
from campaign.partners import applications as partner_applications
from campaign.partners import membership
from campaign.partners.models import ApplicationStatus, Partner, PartnerApplication, PartnerStatus
from campaign.targets import editing as target_editing
from campaign.targets import imports as target_imports
from campaign.targets.models import Target, TargetImport, TargetList
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.console.forms import (
    ImportTargetsForm,
    InviteCoordinatorForm,
    RejectForm,
    TargetForm,
)
from campaign.web.fields import id_argument
from campaign.web.pagination import paginate


@bp.get("/")
@coordinator_required
def home() -> str:
    """What needs attention: applications waiting, open campaigns, letters gathering,
    appeals scheduled, sending or paused."""
    campaigns = open_campaigns()
    counts.refresh_stale_counts(campaigns)
    letters = lists.open_letters()
    return render_template(
        "console/home.html",
        waiting=partner_applications.waiting_count(),
        applications=partner_applications.waiting(),
        campaigns=campaigns,
        next_milestones={
            c.id: milestones.next_milestone(c.confirmed_count, c.goal, c.extra_milestones)
            for c in campaigns
        },
        held=holds.held_by_campaign(),
        letters=letters,
        co_signers=lists.co_signer_counts([letter.id for letter in letters]),
        appeals=under_way(),
    )


@bp.get("/applications")
@coordinator_required
def applications() -> str:
    status = request.args.get("status", "pending")
    query = select(PartnerApplication).order_by(PartnerApplication.created_at.desc())
    if status in {s.value for s in ApplicationStatus}:
        query = query.where(PartnerApplication.status == status)
    if q := request.args.get("q", "").strip()[:100]:
        query = query.where(
            or_(
                contains(PartnerApplication.organization_name, q),
                contains(PartnerApplication.contact_email, q),
            )
        )
    return render_template(
        "console/applications.html",
        page=paginate(query),
        status=status,
        q=q,
        statuses=[s.value for s in ApplicationStatus],
    )


def _application_or_404(application_id: int) -> PartnerApplication:
    return db.session.get(PartnerApplication, application_id) or abort(404)


@bp.get("/applications/<int:application_id>")
@coordinator_required
def application(application_id: int) -> str:
    return render_template(
        "console/application.html",
        application=_application_or_404(application_id),
        form=RejectForm(),
    )


@bp.post("/applications/<int:application_id>/approve")
@coordinator_required
def approve(application_id: int) -> Page:
    application = _application_or_404(application_id)
    try:
        partner = partner_applications.approve_application(current_actor(), application.id)
    except Refused as exc:
        return render_template(
            "console/application.html", application=application, form=RejectForm(), refused=str(exc)
        ), 409
    flash(f"{partner.name} is now a partner; its contact has been invited.")
    return redirect(url_for("console.applications"), 303)


@bp.post("/applications/<int:application_id>/reject")
@coordinator_required
def reject(application_id: int) -> Page:
    application = _application_or_404(application_id)
    form = RejectForm()
    if not form.validate():
        return render_template("console/application.html", application=application, form=form), 400
    try:
        partner_applications.reject_application(current_actor(), application.id, form.reason.data)
    except Refused as exc:
        return render_template(
            "console/application.html", application=application, form=form, refused=str(exc)
        ), 409
    flash(f"The application from {application.organization_name} was rejected.")
    return redirect(url_for("console.applications"), 303)


@bp.get("/partners")
@coordinator_required
def partner_list() -> str:
    query = select(Partner).order_by(Partner.name)
    status = request.args.get("status", "")
    if status in {s.value for s in PartnerStatus}:
        query = query.where(Partner.status == status)
    if q := request.args.get("q", "").strip()[:100]:
        query = query.where(contains(Partner.name, q))
    return render_template(
        "console/partners.html",
        page=paginate(query),
        q=q,
        status=status,
        statuses=[s.value for s in PartnerStatus],
    )


@bp.route("/partners/<int:partner_id>/<any(suspend, reinstate):change>", methods=["GET", "POST"])
@coordinator_required
def change_partner(partner_id: int, change: str) -> Page:
    """GET asks for confirmation; POST does it."""
    partner = db.session.get(Partner, partner_id) or abort(404)
    if request.method == "GET":
        return render_template(
            "console/confirm_partner_change.html", partner=partner, change=change
        )
    status = PartnerStatus.SUSPENDED if change == "suspend" else PartnerStatus.APPROVED
    try:
        membership.set_partner_status(current_actor(), partner.id, status)
    except Refused as exc:
        flash(str(exc))
        return redirect(url_for("console.partner_list"), 303)
    flash(f"{partner.name} is {'suspended' if change == 'suspend' else 'reinstated'}.")
    return redirect(url_for("console.partner_list"), 303)


@bp.route("/coordinators/invite", methods=["GET", "POST"])
@coordinator_required
def invite_coordinator() -> Page:
    form = InviteCoordinatorForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("console/invite.html", form=form), 400
        try:
            accounts.invite_coordinator(current_actor(), form.email.data, name=form.name.data)
        except Refused as exc:
            return render_template("console/invite.html", form=form, refused=str(exc)), 400
        flash(f"An invitation is on its way to {form.email.data}.")
        return redirect(url_for("console.invite_coordinator"), 303)
    return render_template("console/invite.html", form=form)


@bp.get("/audit")
@coordinator_required
def audit_log() -> str:
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if action := request.args.get("action", "").strip()[:60]:
        query = query.where(AuditEvent.action == action)
    if object_type := request.args.get("object", "").strip()[:40]:
        query = query.where(AuditEvent.object_type == object_type)
    if actor := request.args.get("actor", "").strip()[:254]:
        query = query.join(AuditEvent.actor).where(contains(Account.email, actor))
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    objects = db.session.scalars(
        select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    )
    return render_template(
        "console/audit.html",
        page=paginate(query),
        action=action,
        actor=actor,
        object_type=object_type,
        actions=list(actions),
        objects=list(objects),
    )


@bp.get("/targets")
@coordinator_required
def target_list() -> str:
    query = select(Target).order_by(Target.name)
    list_id = id_argument(request.args.get("list", ""))
    if list_id:
        query = query.join(Target.lists).where(TargetList.id == list_id)
    if q := request.args.get("q", "").strip()[:100]:
        query = query.where(
            or_(
                contains(Target.name, q),
                contains(Target.email, q),
                contains(Target.office, q),
            )
        )
    lists = db.session.scalars(select(TargetList).order_by(TargetList.name))
    return render_template(
        "console/targets.html", page=paginate(query), q=q, lists=list(lists), list_id=list_id
    )


@bp.route("/targets/import", methods=["GET", "POST"])
@coordinator_required
def import_targets() -> Page:
    form = ImportTargetsForm()
    if form.is_submitted():
        upload = form.file.data
        refused = None
        if not form.validate():
            refused = "Please correct the highlighted fields."
        elif not upload or not upload.filename:
            refused = "Choose a CSV file to upload."
        else:
            try:
                job = target_imports.start_import(
                    current_actor(), upload.filename, upload.read(), form.list_name.data or ""
                )
            except Refused as exc:
                refused = str(exc)
            else:
                return redirect(url_for("console.target_import", import_id=job.id), 303)
        return render_template("console/import_targets.html", form=form, refused=refused), 400
    return render_template("console/import_targets.html", form=form)


@bp.get("/targets/import/<int:import_id>")
@coordinator_required
def target_import(import_id: int) -> str:
    job = db.session.get(TargetImport, import_id) or abort(404)
    return render_template("console/target_import.html", job=job)


@bp.post("/targets/import/<int:import_id>/confirm")
@coordinator_required
def confirm_target_import(import_id: int) -> Page:
    try:
        target_imports.confirm_import(current_actor(), import_id)
    except Refused as exc:
        job = db.session.get(TargetImport, import_id) or abort(404)
        return render_template("console/target_import.html", job=job, refused=str(exc)), 409
    return redirect(url_for("console.target_import", import_id=import_id), 303)


@bp.route("/targets/new", methods=["GET", "POST"])
@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_target(target_id: int | None = None) -> Page:
    target = (db.session.get(Target, target_id) or abort(404)) if target_id else None
    form = TargetForm(obj=target) if request.method == "GET" else TargetForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("console/target_form.html", form=form, target=target), 400
        try:
            target_editing.save_target(
                current_actor(),
                target_editing.TargetDetails(
                    form.name.data,
                    form.title.data,
                    form.office.data,
                    form.email.data,
                    form.state.data,
                    form.district.data,
                ),
                target_id,
            )
        except Refused as exc:
            db.session.rollback()
            return render_template(
                "console/target_form.html", form=form, target=target, refused=str(exc)
            ), 400
        flash("The target is saved.")
        return redirect(url_for("console.target_list"), 303)
    return render_template("console/target_form.html", form=form, target=target)


@bp.route("/targets/<int:target_id>/delete", methods=["GET", "POST"])
@coordinator_required
def delete_target(target_id: int) -> Page:
    """GET asks for confirmation; POST deletes."""
    target = db.session.get(Target, target_id) or abort(404)
    if request.method == "GET":
        return render_template("console/confirm_delete_target.html", target=target)
    try:
        target_editing.delete_target(current_actor(), target.id)
    except Refused as exc:
        flash(str(exc))
        return redirect(url_for("console.target_list"), 303)
    flash(f"{target.name} is removed.")
    return redirect(url_for("console.target_list"), 303)
