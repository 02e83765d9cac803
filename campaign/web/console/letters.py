"""Joint letters in the console: draft, preview, edit, open."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from campaign.campaigns.models import Campaign
from campaign.core.errors import Refused
from campaign.deliveries import letters as letter_deliveries
from campaign.deliveries import responses as target_responses
from campaign.extensions import db
from campaign.letters import co_signing, drafting
from campaign.letters.models import JointLetter
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.console.choosing import chosen_targets, list_choices, target_choices
from campaign.web.console.forms import LetterForm, ResponseForm
from campaign.web.fields import end_of_day


def _form(letter: JointLetter | None = None) -> LetterForm:
    form = LetterForm(obj=letter) if letter and request.method == "GET" else LetterForm()
    chosen = [t.id for t in letter.targets] if letter else []
    form.targets.choices = target_choices(chosen + (form.targets.data or []))
    form.target_list.choices = list_choices()
    form.campaign.choices = [(0, "No petition")] + [
        (c.id, c.title) for c in db.session.scalars(select(Campaign).order_by(Campaign.title))
    ]
    if letter is not None and request.method == "GET":
        form.campaign.data = letter.campaign_id or 0
        form.body.data = letter.text
        form.targets.data = [t.id for t in letter.targets]
        form.deadline.data = letter.last_day
    return form


def _draft(form: LetterForm) -> drafting.LetterDraft:
    next_day = end_of_day(form.deadline.data)  # co-signing closes as the chosen day ends
    return drafting.LetterDraft(
        form.title.data,
        form.body.data,
        chosen_targets(form.targets.data, form.target_list.data),
        next_day,
        form.campaign.data or None,
    )


@bp.get("/letters")
@coordinator_required
def letter_list() -> str:
    rows = db.session.scalars(select(JointLetter).order_by(JointLetter.created_at.desc()))
    return render_template("console/letters.html", letters=list(rows))


@bp.route("/letters/new", methods=["GET", "POST"])
@coordinator_required
def new_letter() -> Page:
    form = _form()
    if form.is_submitted():
        if not form.validate():
            return render_template("console/letter_form.html", form=form, letter=None), 400
        letter = drafting.create_letter(current_actor(), _draft(form))
        flash("The draft is saved. Preview it below, then open it for co-signing.")
        return redirect(url_for("console.letter", letter_id=letter.id), 303)
    return render_template("console/letter_form.html", form=form, letter=None)


def _letter_or_404(letter_id: int) -> JointLetter:
    return db.session.get(JointLetter, letter_id) or abort(404)


@bp.get("/letters/<int:letter_id>")
@coordinator_required
def letter(letter_id: int) -> str:
    letter = _letter_or_404(letter_id)
    return render_template(
        "console/letter.html",
        letter=letter,
        co_signers=co_signing.current_co_signers(letter),
        deliveries=letter_deliveries.deliveries(letter),
        responses=target_responses.responses_to(letter),
        response_form=_response_form(letter),
    )


@bp.route("/letters/<int:letter_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_letter(letter_id: int) -> Page:
    letter = _letter_or_404(letter_id)
    form = _form(letter)
    if form.is_submitted():
        if not form.validate():
            return render_template("console/letter_form.html", form=form, letter=letter), 400
        try:
            drafting.edit_letter(current_actor(), letter.id, _draft(form))
        except Refused as exc:
            return render_template(
                "console/letter_form.html", form=form, letter=letter, refused=str(exc)
            ), 409
        flash("The letter is saved.")
        return redirect(url_for("console.letter", letter_id=letter.id), 303)
    return render_template("console/letter_form.html", form=form, letter=letter)


@bp.post("/letters/<int:letter_id>/open")
@coordinator_required
def open_letter(letter_id: int) -> Page:
    letter = _letter_or_404(letter_id)
    try:
        drafting.open_letter(current_actor(), letter.id)
    except Refused as exc:
        return render_template(
            "console/letter.html",
            letter=letter,
            refused=str(exc),
            co_signers=co_signing.current_co_signers(letter),
            deliveries=[],
            responses=[],
            response_form=_response_form(letter),
        ), 409
    flash("The letter is open; partners have been told.")
    return redirect(url_for("console.letter", letter_id=letter.id), 303)


@bp.route("/letters/<int:letter_id>/deliver", methods=["GET", "POST"])
@coordinator_required
def deliver_letter(letter_id: int) -> Page:
    """GET previews the email each target will get; POST sends them."""
    letter = _letter_or_404(letter_id)
    if request.method == "GET":
        return render_template(
            "console/deliver_letter.html",
            letter=letter,
            preview=letter_deliveries.preview_outreach(letter),
            co_signers=co_signing.current_co_signers(letter),
        )
    try:
        sent = letter_deliveries.deliver_letter(current_actor(), letter.id)
    except Refused as exc:
        return render_template(
            "console/deliver_letter.html",
            letter=letter,
            refused=str(exc),
            preview=None,
            co_signers=co_signing.current_co_signers(letter),
        ), 409
    flash(f"The letter is on its way to {sent} target{'s' if sent != 1 else ''}.")
    return redirect(url_for("console.letter", letter_id=letter.id), 303)


def _response_form(letter: JointLetter) -> ResponseForm:
    form = ResponseForm()
    form.target.choices = [(t.id, t.name) for t in letter.targets]
    return form


@bp.post("/letters/<int:letter_id>/responses")
@coordinator_required
def record_response(letter_id: int) -> Page:
    letter = _letter_or_404(letter_id)
    form = _response_form(letter)
    refused = None
    if form.validate():
        try:
            target_responses.record_response(
                current_actor(),
                letter,
                target_responses.ResponseRecord(
                    form.target.data, form.responded_on.data, form.summary.data, form.link.data
                ),
            )
        except Refused as exc:
            refused = str(exc)
        else:
            flash("The answer is recorded and shown on the letter's public page.")
            return redirect(url_for("console.letter", letter_id=letter.id), 303)
    html = render_template(
        "console/letter.html",
        letter=letter,
        refused=refused,
        co_signers=co_signing.current_co_signers(letter),
        deliveries=letter_deliveries.deliveries(letter),
        responses=target_responses.responses_to(letter),
        response_form=form,
    )
    return html, 400
