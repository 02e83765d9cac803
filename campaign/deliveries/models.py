"""Deliveries of letters and petitions to targets, one row per target, and the targets' answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, utcnow
from campaign.mail.models import OutboundEmail
from campaign.targets.models import Target


class PetitionDelivery(Model):
    """One email carrying a campaign's petition to one of its targets; a petition is
    delivered once."""

    __tablename__ = "petition_deliveries"
    __table_args__ = (UniqueConstraint("campaign_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbound_emails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
    email: Mapped[OutboundEmail] = relationship()


class LetterDelivery(Model):
    """One outreach email to one target of a delivered letter; a letter is delivered once,
    so a second click finds its rows already there and sends nothing."""

    __tablename__ = "letter_deliveries"
    __table_args__ = (UniqueConstraint("letter_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("joint_letters.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbound_emails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
    email: Mapped[OutboundEmail] = relationship()


class TargetResponse(Model):
    """What a target answered to a letter or a petition, as a coordinator recorded it."""

    __tablename__ = "target_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("joint_letters.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    responded_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[Target] = relationship()
