"""Membership of the coalition: suspending and reinstating partners, the coalition's size,
and the approved partner an account acts for."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.accounts.models import Account
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.errors import NotFound, Refused
from campaign.extensions import db
from campaign.partners.models import (
    Partner,
    PartnerStatus,
)


class PartnerRefused(Refused):
    """A refused request about a partner; the text says why, for the person who asked."""


class NoSuchMember(PartnerRefused, NotFound):
    """Not a member of the acting admin's organization (perhaps of another one)."""


def set_partner_status(actor: Actor, partner_id: int, status: PartnerStatus) -> Partner:
    """Suspend (its endorsements leave public pages) or reinstate a partner."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise PartnerRefused("There is no such partner.")
    if status not in (PartnerStatus.SUSPENDED, PartnerStatus.APPROVED):
        raise PartnerRefused("A partner can only be suspended or reinstated.")
    if partner.status == status:
        raise PartnerRefused(f"{partner.name} is already {status.value}.")
    partner.status = status
    action = "partner.suspend" if status == PartnerStatus.SUSPENDED else "partner.reinstate"
    audit.record(actor, action, "partner", partner.id, name=partner.name)
    db.session.commit()
    return partner


def coalition_size() -> int:
    return db.session.execute(
        select(func.count()).select_from(Partner).where(Partner.status == PartnerStatus.APPROVED)
    ).scalar_one()


def approved_partner_of(actor_account: Account) -> Partner:
    partner = db.session.get(Partner, actor_account.partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        raise PartnerRefused("Your organization is not an approved partner right now.")
    return partner
