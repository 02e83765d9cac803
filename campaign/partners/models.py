"""Partner organizations and their endorsements of campaigns."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow


class PartnerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


_EMPTY = text("'[]'")


class Partner(Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300))
    mission: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str | None] = mapped_column(String(2))
    focus_areas: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_EMPTY)
    states_served: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_EMPTY)
    # Put on links a partner shares, so signatures it drove are credited to it.
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    # The logo, re-encoded by the app (PNG); served from the partner's public page.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[PartnerStatus] = mapped_column(
        enum_column(PartnerStatus, 10),
        default=PartnerStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Endorsement(Model):
    """A partner standing behind a campaign in public."""

    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("partner_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    statement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_PENDING = text("status = 'pending'")


class PartnerApplication(Model):
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
