"""Letters as the public pages list them: open ones on the home page, a campaign's own on
its page, and a partner's co-signed ones on its page. Drafts never."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.letters.co_signing import counting
from campaign.letters.models import CoSignature, JointLetter, LetterStatus
from campaign.partners.models import Partner


def _public() -> Select[JointLetter]:
    return select(JointLetter).where(JointLetter.status != LetterStatus.DRAFT)


def open_letters() -> list[JointLetter]:
    """Letters still gathering co-signers, the nearest deadline first."""
    return list(
        db.session.scalars(
            _public()
            .where(JointLetter.status == LetterStatus.OPEN, JointLetter.deadline > utcnow())
            .order_by(JointLetter.deadline)
        )
    )


def letters_for_campaign(campaign_id: int) -> list[JointLetter]:
    return list(
        db.session.scalars(
            _public()
            .where(JointLetter.campaign_id == campaign_id)
            .order_by(JointLetter.created_at.desc())
        )
    )


def letters_co_signed_by(partner_id: int) -> list[JointLetter]:
    """The letters whose current text the partner has co-signed (and not withdrawn)."""
    return list(
        db.session.scalars(
            _public()
            .join(CoSignature, CoSignature.letter_id == JointLetter.id)
            .where(
                CoSignature.partner_id == partner_id,
                CoSignature.version == JointLetter.current_version,
                CoSignature.withdrawn_at.is_(None),
            )
            .order_by(JointLetter.created_at.desc())
        )
    )


def co_signer_counts(letter_ids: list[int]) -> dict[int, int]:
    """How many approved partners have co-signed each letter's current text."""
    if not letter_ids:
        return {}
    rows = db.session.execute(
        select(CoSignature.letter_id, func.count())
        .join(JointLetter, JointLetter.id == CoSignature.letter_id)
        .join(Partner, Partner.id == CoSignature.partner_id)
        .where(CoSignature.letter_id.in_(letter_ids), counting())
        .group_by(CoSignature.letter_id)
    )
    return {letter_id: count for letter_id, count in rows}
