"""Joint letters: versioned sign-on letters from partner organizations to targets."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow
from campaign.extensions import db
from campaign.partners.models import Partner
from campaign.targets.models import Target

letter_targets = Table(
    "letter_targets",
    db.metadata,
    Column("letter_id", ForeignKey("joint_letters.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True),
)


class LetterStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    DELIVERED = "delivered"


class JointLetter(Model):
    __tablename__ = "joint_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[LetterStatus] = mapped_column(
        enum_column(LetterStatus, 10), default=LetterStatus.DRAFT
    )
    # Co-signatures close at the end of this moment.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    targets: Mapped[list[Target]] = relationship(secondary=letter_targets, order_by=Target.name)
    versions: Mapped[list[LetterVersion]] = relationship(
        back_populates="letter", order_by="LetterVersion.number"
    )

    @property
    def last_day(self) -> date:
        """The last day co-signatures are taken (the deadline is the start of the next)."""
        return (self.deadline - timedelta(seconds=1)).date()

    @property
    def is_gathering(self) -> bool:
        return self.status == LetterStatus.OPEN and utcnow() < self.deadline

    @property
    def text(self) -> str:
        return self.versions[-1].body if self.versions else ""


class LetterVersion(Model):
    """The letter's text as it stood; editing an open letter adds a version."""

    __tablename__ = "letter_versions"
    __table_args__ = (UniqueConstraint("letter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("joint_letters.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    letter: Mapped[JointLetter] = relationship(back_populates="versions")


class CoSignature(Model):
    """A partner's signature on a letter, given by a named, authorized signatory for one
    version of the text; it counts only while that version is the current one."""

    __tablename__ = "co_signatures"
    __table_args__ = (UniqueConstraint("letter_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("joint_letters.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_title: Mapped[str] = mapped_column(String(200))
    authorized: Mapped[bool] = mapped_column(Boolean)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()


class LetterReminder(Model):
    """The one reminder a partner gets before a letter's deadline."""

    __tablename__ = "letter_reminders"
    __table_args__ = (UniqueConstraint("letter_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("joint_letters.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
