"""Campaigns: a research-advocacy ask with a petition, addressed to targets."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models._types import UTCDateTime, enum_column, utcnow
from campaign.models.outbox import OutboundEmail
from campaign.models.target import Target


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


campaign_targets = Table(
    "campaign_targets",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    ask: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[int] = mapped_column(Integer)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus, 10),
        default=CampaignStatus.DRAFT,
    )
    # The public count: recounted in a batch (see services.counts), never +1 per signature.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the petition went to its targets (it goes once).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list[Target]] = relationship(secondary=campaign_targets, order_by=Target.name)

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN


class PetitionDelivery(db.Model):
    """One email carrying a campaign's petition to one of its targets; a petition is
    delivered once."""

    __tablename__ = "petition_deliveries"
    __table_args__ = (UniqueConstraint("campaign_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"))
    email_id: Mapped[int] = mapped_column(ForeignKey("outbound_emails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
    email: Mapped[OutboundEmail] = relationship()
