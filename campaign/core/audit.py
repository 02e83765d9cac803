"""The audit log: who did what privileged thing, when, to which object, from where. Every
privileged service takes an Actor and records what it did in the same transaction as the
change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, utcnow
from campaign.extensions import db

if TYPE_CHECKING:
    from campaign.accounts.models import Account


class AuditEvent(Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Account | None] = relationship("Account")


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from which address: passed in by the view, never read here.
    SYSTEM (no account) is Chorus itself acting on a schedule."""

    account_id: int | None
    ip_address: str | None = None


SYSTEM = Actor(None)


def record(
    actor: Actor, action: str, object_type: str, object_id: int | None, **detail: Any
) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.account_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            ip_address=actor.ip_address,
        )
    )
