"""The one way something is delivered to targets: a joint letter, a petition, and next an
appeal. The caller locks its subject and says what each target gets; the engine refuses a
second delivery, queues one bulk email and one delivery row per target, tells the partners
behind it, marks it delivered and audits it, all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from campaign.accounts import services as accounts
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import Model, utcnow
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.mail import outbox
from campaign.mail.models import Stream
from campaign.targets.models import Target


class DeliveryRefused(Refused):
    """A delivery that cannot happen (again, yet, or to nobody); the text says why."""


class Deliverable(Protocol):
    """A letter or a campaign: delivered once, to its targets, locked by the caller."""

    id: int
    delivered_at: datetime | None
    targets: list[Target]


@dataclass(frozen=True)
class Delivery:
    """What one delivery sends and records."""

    noun: str  # "letter", "petition": how the refusals and the audit log name it
    object_type: str  # the audited object: "letter", "campaign"
    template: str  # the email each target gets
    context_for: Callable[[Target], dict[str, Any]]
    record_for: Callable[[Target, int], Model]  # the delivery row for a target and email
    notice: str  # the email the partners' administrators get once it is on its way
    notice_context: dict[str, Any]
    partner_ids: Sequence[int]
    detail: dict[str, Any] = field(default_factory=dict)  # more for the audit log


def refuse_second(subject: Deliverable, noun: str) -> None:
    """A subject is delivered once: a second click is refused and sends nothing."""
    if subject.delivered_at is not None:
        raise DeliveryRefused(
            f"This {noun} was already delivered on {subject.delivered_at:%d %B %Y}."
        )


def deliver(actor: Actor, subject: Deliverable, delivery: Delivery) -> int:
    """Queue the delivery in the caller's transaction (the mail goes after its commit);
    returns how many targets it goes to."""
    refuse_second(subject, delivery.noun)
    if not subject.targets:
        raise DeliveryRefused(f"The {delivery.object_type} has no targets.")
    for target in subject.targets:
        email = outbox.queue_email(
            delivery.template, target.email, delivery.context_for(target), stream=Stream.BULK
        )
        db.session.add(delivery.record_for(target, email.id))
    for address in accounts.admin_emails(delivery.partner_ids):
        outbox.queue_email(delivery.notice, address, delivery.notice_context)
    subject.delivered_at = utcnow()
    audit.record(
        actor,
        f"{delivery.noun}.deliver",
        delivery.object_type,
        subject.id,
        targets=len(subject.targets),
        **delivery.detail,
    )
    return len(subject.targets)
