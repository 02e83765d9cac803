"""The suppression list: addresses no bulk mail goes to, whoever they belong to (a supporter,
a target, a partner's admin), because they unsubscribed, bounced or complained."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from campaign.core.addresses import normalize_email
from campaign.core.db import Model, UTCDateTime, enum_column, utcnow
from campaign.extensions import db


class SuppressionReason(enum.StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Suppression(Model):
    """An address no bulk mail goes to, and why."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[SuppressionReason] = mapped_column(enum_column(SuppressionReason, 15))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def suppress(address: str, reason: SuppressionReason, detail: str = "") -> bool:
    """Put an address on the list (in the caller's transaction); True if it was not on it.
    An address already on it keeps its first reason."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    row = db.session.execute(
        insert(Suppression)
        .values(
            email_normalized=normalize_email(address),
            reason=reason,
            detail=detail[:500],
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["email_normalized"])
        .returning(Suppression.id)
    ).first()
    return row is not None


def lift(address: str) -> bool:
    """Take an address off the list (its owner asked for mail again); True if it was on it."""
    removed = db.session.execute(
        delete(Suppression)
        .where(Suppression.email_normalized == normalize_email(address))
        .returning(Suppression.id)
    ).first()
    return removed is not None


def reason_for(address: str) -> Suppression | None:
    return db.session.scalar(
        select(Suppression).where(Suppression.email_normalized == normalize_email(address))
    )


def suppressed_among(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses (as given) are on the list."""
    by_key = {normalize_email(a): a for a in addresses}
    if not by_key:
        return set()
    found = db.session.scalars(
        select(Suppression.email_normalized).where(Suppression.email_normalized.in_(by_key))
    )
    return {by_key[key] for key in found}
