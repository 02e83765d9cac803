"""A joint letter's public page."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from campaign.deliveries import responses as target_responses
from campaign.extensions import db
from campaign.letters import co_signing
from campaign.letters.models import JointLetter, LetterStatus
from campaign.web.public import bp


@bp.get("/letters/<slug>")
def letter_page(slug: str) -> str:
    letter = db.session.scalar(
        select(JointLetter).where(
            JointLetter.slug == slug, JointLetter.status != LetterStatus.DRAFT
        )
    ) or abort(404)
    return render_template(
        "public/letter.html",
        letter=letter,
        co_signers=co_signing.current_co_signers(letter),
        responses=target_responses.responses_to(letter),
    )
