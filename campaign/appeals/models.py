"""An appeal is one mailing to an audience, with one message row per recipient."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Account
from campaign.campaigns.models import Campaign
from campaign.core.db import Model, UTCDateTime, enum_column, utcnow


class Audience(enum.StrEnum):
    SUPPORTERS = "supporters"  # subscribed contacts: a signature-collection appeal
    PARTNERS = "partners"  # the admins of approved partners: a partner notice


class AppealStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waiting for its time (beat starts it)
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class Appeal(Model):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_status_scheduled_for", "status", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience, 15), default=Audience.SUPPORTERS
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitized when rendered
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    # Who of the supporters: states (empty: all), and campaigns signed / not signed.
    states: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_campaign_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    not_signed_campaign_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Messages per minute at most (0: as fast as the workers go).
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[AppealStatus] = mapped_column(
        enum_column(AppealStatus, 10), default=AppealStatus.DRAFT
    )
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # Tallies the senders keep for the failure-rate check (the page counts the rows).
    attempted: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # When a sender last showed it is alive (a batch finished, a lease renewed) or, ahead of
    # time, when it means to go on after a wait: the watchdog restarts senders gone quiet.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised each time senders are started (start, resume, restart after going quiet): a
    # sender of an earlier round stops, so a quick pause and resume never doubles the rate.
    sender_round: Mapped[int] = mapped_column(Integer, default=0)
    paused_reason: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[Account | None] = relationship(foreign_keys=[created_by_id])
    started_by: Mapped[Account | None] = relationship(foreign_keys=[started_by_id])


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender (claimed_by) until lease_expires_at
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # on the suppression list by the time its turn came
    CANCELLED = "cancelled"


class AppealMessage(Model):
    """One recipient of an appeal: sent at most once."""

    __tablename__ = "appeal_messages"
    __table_args__ = (
        UniqueConstraint("appeal_id", "email"),
        Index("ix_appeal_messages_appeal_id_status", "appeal_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, 10), default=MessageStatus.QUEUED
    )
    # Temporary refusals so far (a 4xx answer): retried with backoff, then given up.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
