"""Appeals in the console: compose, preview (HTML and text), test, schedule or send, and a
send page whose counts and progress bar follow the sending live; pause, resume, cancel."""

from __future__ import annotations

from datetime import UTC

import us
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from campaign.appeals import composing, emails, sending
from campaign.appeals.audiences import count
from campaign.appeals.models import Appeal, AppealStatus, Audience
from campaign.appeals.progress import progress
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.core.db import utcnow
from campaign.core.errors import Refused
from campaign.core.places import state_name
from campaign.extensions import db
from campaign.mail import rendering
from campaign.mail.suppressions import Suppression
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.console.forms import AppealForm, AppealSendForm
from campaign.web.fields import beside_its_field
from campaign.web.pagination import paginate

STATES = sorted({state.abbr for state in us.states.STATES_AND_TERRITORIES} | {"DC"})


def _form(appeal: Appeal | None = None) -> AppealForm:
    editing_get = appeal is not None and request.method == "GET"
    form = AppealForm(obj=appeal) if editing_get else AppealForm()
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.title)))
    form.campaign.choices = [SelectChoice(0, "No campaign (partner notices only)")] + [
        SelectChoice(c.id, c.title) for c in campaigns if c.status == CampaignStatus.OPEN
    ]
    everything = [SelectChoice(c.id, c.title) for c in campaigns]
    form.signed.choices = everything
    form.not_signed.choices = everything
    form.states.choices = sorted(
        (SelectChoice(code, state_name(code)) for code in STATES), key=lambda c: c.label
    )
    if appeal is None and request.method == "GET":
        form.rate_per_minute.data = current_app.config["APPEAL_RATE_PER_MINUTE"]
    if appeal is not None and editing_get:
        form.audience.data = appeal.audience.value
        form.campaign.data = appeal.campaign_id or 0
        form.states.data = list(appeal.states)
        form.signed.data = list(appeal.signed_campaign_ids)
        form.not_signed.data = list(appeal.not_signed_campaign_ids)
    return form


def _draft(form: AppealForm) -> composing.AppealDraft:
    return composing.AppealDraft(
        audience=Audience(form.audience.data or "supporters"),
        subject=form.subject.data or "",
        body=form.body.data or "",
        campaign_id=form.campaign.data or None,
        states=list(form.states.data or []),
        signed=list(form.signed.data or []),
        not_signed=list(form.not_signed.data or []),
        rate_per_minute=form.rate_per_minute.data or 0,
    )


def _compose_page(
    form: AppealForm, appeal: Appeal | None, status: int = 200, refused: str | None = None
) -> tuple[str, int]:
    preview = None
    audience = None
    if form.is_submitted() and form.preview.data and not form.errors:
        preview = _preview_of(_unsaved(form))
        audience = count(composing.audience_of(_unsaved(form)))
    html = render_template(
        "console/appeal_form.html",
        form=form,
        appeal=appeal,
        refused=refused,
        preview=preview,
        audience=audience,
    )
    return html, status


def _unsaved(form: AppealForm) -> Appeal:
    """The appeal as the form would make it; never added to the session."""
    draft = _draft(form)
    return Appeal(
        id=0,
        audience=draft.audience,
        subject=draft.subject,
        body=draft.body,
        campaign=db.session.get(Campaign, draft.campaign_id) if draft.campaign_id else None,
        campaign_id=draft.campaign_id,
        states=draft.states,
        signed_campaign_ids=draft.signed,
        not_signed_campaign_ids=draft.not_signed,
    )


def _preview_of(appeal: Appeal) -> dict[str, str]:
    """The email's HTML and text parts, as a subscriber would get them."""
    message = rendering.build_message(
        "appeal",
        "subscriber@example.org",
        {**emails.appeal_context(appeal), "full_name": "Alex Rivera"},
        bulk=True,
    )
    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    return {
        "subject": str(message["Subject"]),
        "html": html.get_content() if html is not None else "",
        "text": text.get_content() if text is not None else "",
    }


def _save(form: AppealForm, appeal: Appeal | None) -> Page:
    if not form.validate():
        return _compose_page(form, appeal, 400)
    if form.preview.data:
        return _compose_page(form, appeal)
    try:
        if appeal is None:
            appeal = composing.create_appeal(current_actor(), _draft(form))
            flash("The appeal is saved as a draft. Preview it, test it, then send it.")
        else:
            composing.edit_appeal(current_actor(), appeal.id, _draft(form))
            flash("The appeal is saved.")
    except Refused as exc:
        db.session.rollback()
        if beside_its_field(form, exc):
            return _compose_page(form, appeal, exc.status)
        return _compose_page(form, appeal, exc.status, refused=str(exc))
    return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)


@bp.get("/appeals")
@coordinator_required
def appeal_list() -> str:
    page = paginate(select(Appeal).order_by(Appeal.created_at.desc()))
    suppressed = db.session.scalar(select(func.count()).select_from(Suppression)) or 0
    return render_template("console/appeals.html", page=page, suppressed=suppressed)


@bp.route("/appeals/new", methods=["GET", "POST"])
@coordinator_required
def new_appeal() -> Page:
    form = _form()
    if form.is_submitted():
        return _save(form, None)
    return _compose_page(form, None)


def _appeal_or_404(appeal_id: int) -> Appeal:
    return db.session.get(Appeal, appeal_id) or abort(404)


@bp.route("/appeals/<int:appeal_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_appeal(appeal_id: int) -> Page:
    appeal = _appeal_or_404(appeal_id)
    if appeal.status != AppealStatus.DRAFT:
        flash(f"This appeal is {appeal.status.value}; only a draft can be changed.")
        return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)
    form = _form(appeal)
    if form.is_submitted():
        return _save(form, appeal)
    return _compose_page(form, appeal)


def _appeal_page(
    appeal: Appeal,
    status: int = 200,
    refused: str | None = None,
    form: AppealSendForm | None = None,
) -> tuple[str, int]:
    waiting = appeal.status in (AppealStatus.DRAFT, AppealStatus.SCHEDULED)
    html = render_template(
        "console/appeal.html",
        appeal=appeal,
        preview=_preview_of(appeal),
        audience=count(composing.audience_of(appeal)) if waiting else None,
        progress=progress(appeal),
        send_form=form or AppealSendForm(formdata=None),
        refused=refused,
        now=utcnow(),
    )
    return html, status


@bp.get("/appeals/<int:appeal_id>")
@coordinator_required
def appeal(appeal_id: int) -> Page:
    return _appeal_page(_appeal_or_404(appeal_id))


@bp.get("/appeals/<int:appeal_id>/progress.json")
@coordinator_required
def appeal_progress(appeal_id: int) -> Response:
    response = jsonify(progress(_appeal_or_404(appeal_id)).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/appeals/<int:appeal_id>/test")
@coordinator_required
def appeal_test(appeal_id: int) -> Page:
    appeal = _appeal_or_404(appeal_id)
    address = current_user.email
    emails.send_test(current_actor(), appeal.id, address)
    flash(f"A test is on its way to {address}.")
    return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)


@bp.post("/appeals/<int:appeal_id>/send")
@coordinator_required
def appeal_send(appeal_id: int) -> Page:
    """First POST: a confirmation page saying to how many and when. Second (confirmed): do it."""
    appeal = _appeal_or_404(appeal_id)
    form = AppealSendForm()
    if not form.validate():
        return _appeal_page(appeal, 400, form=form)
    when = form.when.data.replace(tzinfo=UTC) if form.when.data else None
    if request.form.get("confirmed") != "yes":
        return render_template(
            "console/appeal_send.html",
            appeal=appeal,
            when=when,
            raw_when=request.form.get("when", ""),
            audience=count(composing.audience_of(appeal)),
        )
    try:
        sending.schedule(current_actor(), appeal.id, when)
    except Refused as exc:
        db.session.rollback()
        return _appeal_page(db.session.get_one(Appeal, appeal_id), exc.status, refused=str(exc))
    flash(f"Scheduled for {when:%H:%M UTC on %d %B %Y}." if when else "Sending has started.")
    return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)


STEPS = {
    "pause": (sending.pause, "Paused. Nothing more is sent until you resume."),
    "resume": (sending.resume, "Sending again."),
    "unschedule": (sending.unschedule, "No longer scheduled: the appeal is a draft again."),
}


@bp.post("/appeals/<int:appeal_id>/<any(pause, resume, unschedule):step>")
@coordinator_required
def appeal_step(appeal_id: int, step: str) -> Page:
    appeal = _appeal_or_404(appeal_id)
    action, done = STEPS[step]
    try:
        action(current_actor(), appeal.id)
    except Refused as exc:
        db.session.rollback()
        return _appeal_page(db.session.get_one(Appeal, appeal_id), exc.status, refused=str(exc))
    flash(done)
    return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)


@bp.route("/appeals/<int:appeal_id>/cancel", methods=["GET", "POST"])
@coordinator_required
def appeal_cancel(appeal_id: int) -> Page:
    """GET asks; POST cancels for good."""
    appeal = _appeal_or_404(appeal_id)
    if request.method == "POST":
        try:
            left = sending.cancel(current_actor(), appeal.id)
        except Refused as exc:
            db.session.rollback()
            return _appeal_page(db.session.get_one(Appeal, appeal_id), exc.status, refused=str(exc))
        flash(f"Cancelled. {left:,} message{'s' if left != 1 else ''} will not be sent.")
        return redirect(url_for("console.appeal", appeal_id=appeal.id), 303)
    return render_template("console/appeal_cancel.html", appeal=appeal, progress=progress(appeal))
