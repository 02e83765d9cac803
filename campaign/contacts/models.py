"""A contact is one person across campaigns, with their subscription to coalition updates and
its history. (The suppression list, which every bulk send honours, is mail's: see
mail.suppressions.)"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow


class Subscription(enum.StrEnum):
    """Whether a contact gets coalition updates (appeals)."""

    SUBSCRIBED = "subscribed"  # a confirmed signature with the updates box ticked
    NOT_SUBSCRIBED = "not_subscribed"  # signed, never asked for updates
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Contact(Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(10))
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    subscription: Mapped[Subscription] = mapped_column(
        enum_column(Subscription, 15), default=Subscription.NOT_SUBSCRIBED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SubscriptionChange(Model):
    """The history of a contact's subscription: what it became, when and why."""

    __tablename__ = "subscription_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    subscription: Mapped[Subscription] = mapped_column(enum_column(Subscription, 15))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
