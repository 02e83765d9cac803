"""The outbox: one row per email, written in the same transaction as what caused it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow


class Stream(enum.StrEnum):
    """Which mail path a message takes: confirmations never wait behind bulk sends."""

    TRANSACTIONAL = "transactional"
    BULK = "bulk"


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # bulk mail to an address on the suppression list: not sent


class OutboundEmail(Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_status_due", "status", "due_at"),
        # A drain's claim (outbox.drain) reads one stream's queued rows in the order they
        # fall due, never stepping over the other stream's backlog.
        Index(
            "ix_outbound_emails_queued_stream_due",
            "stream",
            "due_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(254))
    # What the template needs; emptied once sent, since it may hold a one-time link.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stream: Mapped[Stream] = mapped_column(enum_column(Stream, 15), default=Stream.TRANSACTIONAL)
    status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus, 10), default=EmailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the row should next be handed to a worker (later after a temporary failure).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While 'sending': the worker that claimed the row has it until then. A row still
    # 'sending' after its lease is queued again by the relay (its worker died).
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Times the row was sent again after an attempt whose outcome was never recorded (the
    # worker died, or the database went away, after claiming it): each may be a duplicate
    # of a message the server had already accepted, recognisable by its Message-ID.
    resends: Mapped[int] = mapped_column(Integer, default=0)
