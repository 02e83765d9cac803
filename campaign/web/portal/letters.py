"""Joint letters in the portal: read, co-sign through a named signatory, withdraw."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.letters import co_signing
from campaign.letters.models import JointLetter, LetterStatus
from campaign.web import Page
from campaign.web.access import current_actor, partner_required
from campaign.web.portal import bp
from campaign.web.portal.forms import CoSignForm


def _visible(letter_id: int) -> JointLetter:
    letter = db.session.get(JointLetter, letter_id)
    if letter is None or letter.status == LetterStatus.DRAFT:
        abort(404)
    return letter


def _page(
    letter: JointLetter,
    form: CoSignForm | None = None,
    refused: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    html = render_template(
        "portal/letter.html",
        letter=letter,
        form=form or CoSignForm(),
        refused=refused,
        signature=co_signing.signature_of(letter, current_user.partner_id),
    )
    return html, status


@bp.get("/letters")
@partner_required()
def letter_list() -> str:
    rows = db.session.scalars(
        select(JointLetter)
        .where(JointLetter.status != LetterStatus.DRAFT)
        .order_by(JointLetter.deadline.desc())
    )
    return render_template("portal/letters.html", letters=list(rows))


@bp.get("/letters/<int:letter_id>")
@partner_required()
def letter(letter_id: int) -> tuple[str, int]:
    return _page(_visible(letter_id))


@bp.post("/letters/<int:letter_id>/co-sign")
@partner_required(admin=True)
def co_sign(letter_id: int) -> Page:
    letter = _visible(letter_id)
    form = CoSignForm()
    if not form.validate():
        refused = form.version.errors[0] if form.version.errors else None
        return _page(letter, form, refused=refused, status=400)
    try:
        co_signing.co_sign(
            current_actor(),
            current_user,
            letter.id,
            form.signatory_name.data,
            form.signatory_title.data,
            form.authorized.data,
            form.version.data,
        )
    except Refused as exc:
        return _page(letter, form, refused=str(exc), status=409)
    flash("Your organization has co-signed the letter.")
    return redirect(url_for("portal.letter", letter_id=letter.id), 303)


@bp.route("/letters/<int:letter_id>/withdraw", methods=["GET", "POST"])
@partner_required(admin=True)
def withdraw_co_signature(letter_id: int) -> Page:
    """GET asks for confirmation; POST withdraws."""
    letter = _visible(letter_id)
    if request.method == "GET":
        return render_template("portal/confirm_withdraw_letter.html", letter=letter)
    try:
        co_signing.withdraw_co_signature(current_actor(), current_user, letter.id)
    except Refused as exc:
        return _page(letter, refused=str(exc), status=409)
    flash("Your organization's co-signature is withdrawn.")
    return redirect(url_for("portal.letter", letter_id=letter.id), 303)
