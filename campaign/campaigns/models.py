"""Campaigns: a research-advocacy ask with a petition, addressed to targets."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow
from campaign.extensions import db
from campaign.targets.models import Target

if TYPE_CHECKING:
    from campaign.accounts.models import Account


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


class Campaign(Model):
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
    # The public count: recounted in a batch (see campaigns.counts), never +1 per signature.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the petition went to its targets (it goes once).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Milestones beyond 25, 50, 75 and 100 % of the goal, as signature counts.
    extra_milestones: Mapped[list[int]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # The highest milestone announced so far (see campaigns.milestones), as a count.
    milestone_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An open campaign closes by itself at this moment (a beat job), if set.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The image shown where the page is shared, re-encoded by the app (JPEG).
    share_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    share_image_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The text's version: 1 as opened, one more per edit of an open campaign's text.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list[Target]] = relationship(secondary=campaign_targets, order_by=Target.name)
    versions: Mapped[list[CampaignVersion]] = relationship(
        back_populates="campaign", order_by="CampaignVersion.number", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        """Taking signatures: open, and its closing date (if any) not yet come. The beat job
        then records the close; until it runs, signing is refused all the same."""
        return self.status == CampaignStatus.OPEN and (
            self.closes_at is None or self.closes_at > utcnow()
        )


class CampaignVersion(Model):
    """The text of an open campaign as it stood from a moment on: number 1 as opened, then
    one per edit, with who edited it and which fields changed. A signature records the
    number it was made under."""

    __tablename__ = "campaign_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    ask: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="versions")
    edited_by: Mapped[Account | None] = relationship("Account")


class Signature(Model):
    __tablename__ = "signatures"
    __table_args__ = (
        # One signature per normalized email per campaign.
        UniqueConstraint("campaign_id", "email_normalized"),
        # Counting confirmed signatures reads only this small partial index.
        Index(
            "ix_signatures_confirmed",
            "campaign_id",
            postgresql_where=text("confirmed_at IS NOT NULL"),
            sqlite_where=text("confirmed_at IS NOT NULL"),
        ),
        Index(
            "ix_signatures_appeal_id",
            "appeal_id",
            postgresql_where=text("appeal_id IS NOT NULL"),
            sqlite_where=text("appeal_id IS NOT NULL"),
        ),
        Index(
            "ix_signatures_held",
            "held_address",
            postgresql_where=text("held_at IS NOT NULL"),
            sqlite_where=text("held_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254))
    postal_code: Mapped[str] = mapped_column(String(10))
    state: Mapped[str | None] = mapped_column(String(2))
    comment: Mapped[str] = mapped_column(Text, default="")
    # The signer was told, when signing, that coordinators may show the comment on the page
    # (signatures from before that was said never are).
    may_show_comment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A coordinator chose to show the comment on the campaign page (audited).
    comment_shown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signer chose to show their name (as "Ann L.") on the campaign page, with their comment.
    show_publicly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # SHA-256 of the emailed confirmation token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the one "you already signed" email has been queued.
    duplicate_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Held: one of many from the same address (see campaigns.holds). Not emailed, so never
    # confirmed or counted, until a coordinator releases it. The address is kept only then.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_address: Mapped[str | None] = mapped_column(String(45))
    # The campaign's text version the signer signed (None: signed before versions).
    campaign_version: Mapped[int | None] = mapped_column(Integer)
    # The appeal whose sign button brought the signer here (no foreign key: a stale or
    # made-up cookie must never refuse a signature).
    appeal_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
