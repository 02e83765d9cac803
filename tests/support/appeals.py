"""Reading an appeal's rows as they are now, from a test that watches them change."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.appeals.models import AppealMessage, MessageStatus
from campaign.extensions import db


def counts_of(appeal_id: int) -> dict[MessageStatus, int]:
    """The appeal's messages by status, read afresh (what the senders committed since)."""
    db.session.rollback()
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(AppealMessage.status, func.count())
            .where(AppealMessage.appeal_id == appeal_id)
            .group_by(AppealMessage.status)
        ).all()
    )
