"""Targets' answers to letters and petitions, recorded by coordinators and shown publicly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.campaigns.models import Campaign
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.deliveries.engine import DeliveryRefused
from campaign.deliveries.models import TargetResponse
from campaign.extensions import db
from campaign.letters.models import (
    JointLetter,
)


@dataclass(frozen=True)
class ResponseRecord:
    target_id: int
    responded_on: date
    summary: str
    link: str | None


def record_response(
    actor: Actor, subject: JointLetter | Campaign, record: ResponseRecord
) -> TargetResponse:
    """A target's answer to a letter or a petition; shown on its public page."""
    if record.target_id not in {t.id for t in subject.targets}:
        raise DeliveryRefused("Choose one of its targets.")
    is_letter = isinstance(subject, JointLetter)
    response = TargetResponse(
        letter_id=subject.id if is_letter else None,
        campaign_id=None if is_letter else subject.id,
        target_id=record.target_id,
        responded_on=record.responded_on,
        summary=record.summary,
        link=record.link or None,
    )
    db.session.add(response)
    db.session.flush()
    kind = "letter" if is_letter else "campaign"
    audit.record(actor, f"{kind}.response", kind, subject.id, target_id=record.target_id)
    db.session.commit()
    return response


def responses_to(subject: JointLetter | Campaign) -> list[TargetResponse]:
    column = (
        TargetResponse.letter_id if isinstance(subject, JointLetter) else TargetResponse.campaign_id
    )
    return list(
        db.session.scalars(
            select(TargetResponse)
            .where(column == subject.id)
            .options(selectinload(TargetResponse.target))
            .order_by(TargetResponse.responded_on.desc(), TargetResponse.id.desc())
        )
    )
