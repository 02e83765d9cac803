"""Writing the audit log. Every privileged service takes an Actor and records what it did
in the same transaction as the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaign.extensions import db
from campaign.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from which address: passed in by the view, never read here."""

    account_id: int
    ip_address: str | None = None


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
