"""An organization's application to become a partner, waiting for a coordinator's decision."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models._types import UTCDateTime, enum_column, utcnow


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_PENDING = text("status = 'pending'")


class PartnerApplication(db.Model):
    __tablename__ = "partner_applications"
    __table_args__ = (
        # One pending application per website and per contact email.
        Index(
            "uq_applications_pending_website",
            "website_key",
            unique=True,
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        Index(
            "uq_applications_pending_contact",
            "contact_email_key",
            unique=True,
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        Index("ix_applications_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300))
    # The website's host without "www.", for spotting a second application.
    website_key: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    focus_areas: Mapped[list[str]] = mapped_column(JSON)
    states_served: Mapped[list[str]] = mapped_column(JSON)
    constituency_size: Mapped[str] = mapped_column(String(20))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_title: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_email_key: Mapped[str] = mapped_column(String(254))
    # Which version of the coalition statement the applicant agreed to, and when.
    statement_version: Mapped[str] = mapped_column(String(20))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, 10), default=ApplicationStatus.PENDING
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
