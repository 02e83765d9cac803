"""A partner's team: its staff accounts, their roles, invitations and removals."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.accounts import services as accounts
from campaign.accounts.models import Account, Role
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.partners.membership import NoSuchMember, PartnerRefused, approved_partner_of


def team(partner_id: int) -> list[Account]:
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.partner_id == partner_id, Account.disabled_at.is_(None))
            .order_by(Account.name, Account.email)
        )
    )


def teammate(account: Account, member_id: int) -> Account:
    """A member of the acting admin's own organization, or PartnerRefused (never another's)."""
    member = db.session.get(Account, member_id)
    if member is None or member.partner_id != account.partner_id or member.disabled_at:
        raise NoSuchMember("There is no such member of your organization.")
    return member


def _admins_left(partner_id: int, without: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Account)
        .where(
            Account.partner_id == partner_id,
            Account.role == Role.PARTNER_ADMIN,
            Account.disabled_at.is_(None),
            Account.id != without,
        )
    ).scalar_one()


def change_role(actor: Actor, account: Account, member_id: int, role: Role) -> Account:
    partner = approved_partner_of(account)
    if role not in (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        raise PartnerRefused("Choose administrator or member.")
    member = teammate(account, member_id)  # so member.partner_id == partner.id
    if role == Role.PARTNER_MEMBER and not _admins_left(partner.id, member.id):
        raise PartnerRefused("Your organization needs at least one administrator.")
    member.role = role
    audit.record(actor, "team.role", "account", member.id, role=role.value)
    db.session.commit()
    return member


def remove_member(actor: Actor, account: Account, member_id: int) -> Account:
    partner = approved_partner_of(account)
    member = teammate(account, member_id)  # so member.partner_id == partner.id
    if member.role == Role.PARTNER_ADMIN and not _admins_left(partner.id, member.id):
        raise PartnerRefused("Your organization needs at least one administrator.")
    member.disabled_at = utcnow()
    member.session_version = (member.session_version or 0) + 1
    accounts.void_invitations_from(member.id)
    audit.record(actor, "team.remove", "account", member.id, email=member.email)
    db.session.commit()
    return member


def invite_member(actor: Actor, account: Account, email: str, role: Role, name: str = "") -> None:
    partner = approved_partner_of(account)
    if role not in (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        raise PartnerRefused("Choose administrator or member.")
    accounts.invite(actor, email, role, partner, name=name)
    db.session.commit()
