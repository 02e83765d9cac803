"""Partner organizations and their endorsements of campaigns."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models._types import UTCDateTime, enum_column, utcnow


class PartnerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


_EMPTY = text("'[]'")


class Partner(db.Model):
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


class Endorsement(db.Model):
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
