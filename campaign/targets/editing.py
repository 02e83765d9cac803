"""Adding, editing and removing targets one at a time in the console."""

from __future__ import annotations

from dataclasses import dataclass

import us
from sqlalchemy import select

from campaign.core import audit
from campaign.core.addresses import check_email
from campaign.core.audit import Actor
from campaign.core.errors import Refused
from campaign.deliveries.models import LetterDelivery, PetitionDelivery
from campaign.extensions import db
from campaign.targets.models import (
    Target,
)


class TargetRefused(Refused):
    """A refused change to a target; the text says why."""


@dataclass(frozen=True)
class TargetDetails:
    name: str
    title: str
    office: str
    email: str
    state: str | None = None
    district: str | None = None


def save_target(actor: Actor, details: TargetDetails, target_id: int | None = None) -> Target:
    """Add a target, or change one; an email address another target has is refused."""
    email = check_email(details.email).lower()
    state = (details.state or "").upper() or None
    found = us.states.lookup(state) if state and len(state) == 2 and state.isalpha() else None
    if state and found is None:
        raise TargetRefused("Choose a US state's two-letter code, like CA.")
    taken = db.session.scalar(select(Target.id).where(Target.email == email))
    if taken is not None and taken != target_id:
        raise TargetRefused("Another target already has this email address.")
    target = db.session.get(Target, target_id) if target_id else Target()
    if target is None:
        raise TargetRefused("There is no such target.")
    target.name, target.title, target.office = details.name, details.title, details.office
    target.email, target.state, target.district = (
        email,
        found.abbr if found else None,
        (details.district or None),
    )
    db.session.add(target)
    db.session.flush()
    audit.record(actor, "target.save", "target", target.id, email=email)
    db.session.commit()
    return target


def delete_target(actor: Actor, target_id: int) -> None:
    """Remove a target that nothing was ever delivered to (those stay, for the record)."""
    target = db.session.get(Target, target_id)
    if target is None:
        raise TargetRefused("There is no such target.")
    delivered = db.session.scalar(
        select(LetterDelivery.id).where(LetterDelivery.target_id == target_id).limit(1)
    ) or db.session.scalar(
        select(PetitionDelivery.id).where(PetitionDelivery.target_id == target_id).limit(1)
    )
    if delivered:
        raise TargetRefused("Letters or petitions were delivered to this target; it stays on file.")
    db.session.delete(target)
    audit.record(actor, "target.delete", "target", target_id, email=target.email)
    db.session.commit()
