"""A person's signature on one campaign's petition."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models._types import UTCDateTime, utcnow


class Signature(db.Model):
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
    consent_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signer chose to show their name (as "Ann L.") and comment on the campaign page.
    show_publicly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # SHA-256 of the emailed confirmation token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the one "you already signed" email has been queued.
    duplicate_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Held: one of many from the same address (see services.holds). Not emailed, so never
    # confirmed or counted, until a coordinator releases it. The address is kept only then.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
