"""How an appeal is doing, for its send page (read from its rows) and the console's home."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from campaign.campaigns.models import Signature
from campaign.contacts.models import Contact
from campaign.extensions import db
from campaign.mail.suppressions import Suppression, SuppressionReason

from .models import Appeal, AppealMessage, AppealStatus, MessageStatus


def under_way() -> list[Appeal]:
    """Appeals scheduled, sending or paused, the soonest first (for the console's home)."""
    return list(
        db.session.scalars(
            select(Appeal)
            .where(
                Appeal.status.in_(
                    [AppealStatus.SCHEDULED, AppealStatus.SENDING, AppealStatus.PAUSED]
                )
            )
            .order_by(Appeal.scheduled_for)
            .limit(20)
        )
    )


@dataclass(frozen=True)
class Progress:
    """What the send page shows."""

    status: AppealStatus
    recipients: int
    counts: dict[MessageStatus, int]
    unsubscribed_since: int
    signatures: int
    paused_reason: str | None
    recent_failures: list[tuple[str, str]]  # (address, what the server said), latest first

    @property
    def done(self) -> int:
        return sum(
            self.counts.get(s, 0)
            for s in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SUPPRESSED)
        )

    @property
    def percent(self) -> int:
        if not self.recipients:
            return 100 if self.status == AppealStatus.SENT else 0
        return min(100, self.done * 100 // self.recipients)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "recipients": self.recipients,
            "percent": self.percent,
            "queued": self.counts.get(MessageStatus.QUEUED, 0)
            + self.counts.get(MessageStatus.SENDING, 0),
            "sent": self.counts.get(MessageStatus.SENT, 0),
            "failed": self.counts.get(MessageStatus.FAILED, 0),
            "suppressed": self.counts.get(MessageStatus.SUPPRESSED, 0),
            "cancelled": self.counts.get(MessageStatus.CANCELLED, 0),
            "unsubscribed_since": self.unsubscribed_since,
            "signatures": self.signatures,
            "paused_reason": self.paused_reason,
        }


def progress(appeal: Appeal) -> Progress:
    """The rows counted by status, who unsubscribed since it started, the confirmed
    signatures its sign button brought, and its latest failures."""
    counts = {
        MessageStatus(status): n
        for status, n in db.session.execute(
            select(AppealMessage.status, func.count())
            .where(AppealMessage.appeal_id == appeal.id)
            .group_by(AppealMessage.status)
        )
    }
    unsubscribed = 0
    if appeal.started_at is not None:
        unsubscribed = (
            db.session.scalar(
                select(func.count())
                .select_from(AppealMessage)
                .join(Contact, Contact.id == AppealMessage.contact_id)
                .join(Suppression, Suppression.email_normalized == Contact.email_normalized)
                .where(
                    AppealMessage.appeal_id == appeal.id,
                    Suppression.reason == SuppressionReason.UNSUBSCRIBED,
                    Suppression.created_at >= appeal.started_at,
                )
            )
            or 0
        )
    signatures = (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.appeal_id == appeal.id, Signature.confirmed_at.is_not(None))
        )
        or 0
    )
    failures = db.session.execute(
        select(AppealMessage.email, AppealMessage.last_error)
        .where(AppealMessage.appeal_id == appeal.id, AppealMessage.status == MessageStatus.FAILED)
        .order_by(AppealMessage.id.desc())
        .limit(10)
    ).all()
    return Progress(
        appeal.status,
        appeal.recipients,
        counts,
        unsubscribed,
        signatures,
        appeal.paused_reason,
        [(email, error or "") for email, error in failures],
    )
