"""Partners: deciding applications, suspending and reinstating, endorsing campaigns, teams."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.extensions import db
from campaign.models import (
    Account,
    ApplicationStatus,
    Campaign,
    CampaignStatus,
    Endorsement,
    Partner,
    PartnerApplication,
    PartnerStatus,
    Role,
)
from campaign.models._types import utcnow
from campaign.services import accounts, audit, dispatcher, logos, outbox
from campaign.services.audit import Actor
from campaign.services.rows import locked, unique_slug


class PartnerError(ValueError):
    """A refused request about a partner; the text says why, for the person who asked."""


class NoSuchMember(PartnerError):
    """Not a member of the acting admin's organization (perhaps of another one)."""


def _pending_application(application_id: int) -> PartnerApplication:
    application = locked(PartnerApplication, application_id)
    if application is None:
        raise PartnerError("There is no such application.")
    if application.status != ApplicationStatus.PENDING:
        raise PartnerError(
            f"This application was already {application.status.value} "
            f"on {application.decided_at:%d %B %Y}."
        )
    return application


def approve_application(actor: Actor, application_id: int) -> Partner:
    """Create the partner, its public profile and referral code, and invite the contact as
    its admin. Deciding twice is refused."""
    application = _pending_application(application_id)
    partner = Partner(
        slug=unique_slug(Partner, application.organization_name, "partner"),
        name=application.organization_name,
        website=application.website,
        mission=application.description,
        focus_areas=application.focus_areas,
        states_served=application.states_served,
        state=next((s for s in application.states_served if s != "US"), None),
        referral_code=secrets.token_urlsafe(6),
        status=PartnerStatus.APPROVED,
    )
    db.session.add(partner)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another partner took the same name a moment ago
        db.session.rollback()
        raise PartnerError("Approval clashed with another; please try again.") from exc
    application.status = ApplicationStatus.APPROVED
    application.decided_at = utcnow()
    application.decided_by_id = actor.account_id
    audit.record(
        actor,
        "application.approve",
        "application",
        application.id,
        partner_id=partner.id,
        organization=partner.name,
    )
    try:  # commits everything, and emails the invitation
        accounts.invite(
            actor,
            application.contact_email,
            Role.PARTNER_ADMIN,
            partner,
            name=application.contact_name,
        )
    except ValueError as exc:  # AccountError, InvalidEmail: the contact cannot be invited
        db.session.rollback()
        raise PartnerError(f"Not approved: {exc}") from exc
    return partner


def reject_application(actor: Actor, application_id: int, reason: str) -> None:
    """Refuse with a reason, which is emailed to the contact."""
    if not reason.strip():
        raise PartnerError("Give the reason; it is sent to the applicant.")
    application = _pending_application(application_id)
    application.status = ApplicationStatus.REJECTED
    application.decided_at = utcnow()
    application.decided_by_id = actor.account_id
    application.rejection_reason = reason.strip()
    audit.record(actor, "application.reject", "application", application.id, reason=reason)
    email = outbox.queue_email(
        "application_rejected",
        application.contact_email,
        {
            "contact_name": application.contact_name,
            "organization_name": application.organization_name,
            "reason": reason.strip(),
        },
    )
    db.session.commit()
    dispatcher.dispatch([email])


def set_partner_status(actor: Actor, partner_id: int, status: PartnerStatus) -> Partner:
    """Suspend (its endorsements leave public pages) or reinstate a partner."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise PartnerError("There is no such partner.")
    if status not in (PartnerStatus.SUSPENDED, PartnerStatus.APPROVED):
        raise PartnerError("A partner can only be suspended or reinstated.")
    if partner.status == status:
        raise PartnerError(f"{partner.name} is already {status.value}.")
    partner.status = status
    action = "partner.suspend" if status == PartnerStatus.SUSPENDED else "partner.reinstate"
    audit.record(actor, action, "partner", partner.id, name=partner.name)
    db.session.commit()
    return partner


def _partner_of(actor_account: Account) -> Partner:
    partner = db.session.get(Partner, actor_account.partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        raise PartnerError("Your organization is not an approved partner right now.")
    return partner


def endorse(actor: Actor, account: Account, campaign_id: int, statement: str) -> Endorsement:
    """The account's own organization stands behind an open campaign, with an optional
    public statement. Endorsing again updates the statement."""
    partner = _partner_of(account)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.OPEN:
        raise PartnerError("Only open campaigns can be endorsed.")
    endorsement = db.session.scalar(
        select(Endorsement).where(
            Endorsement.partner_id == partner.id, Endorsement.campaign_id == campaign.id
        )
    )
    if endorsement is None:
        endorsement = Endorsement(partner_id=partner.id, campaign_id=campaign.id)
        db.session.add(endorsement)
    endorsement.statement = statement.strip()
    try:
        db.session.flush()
    except IntegrityError as exc:  # a double click: the other request endorsed first
        db.session.rollback()
        raise PartnerError("Your organization already endorses this campaign.") from exc
    audit.record(actor, "campaign.endorse", "campaign", campaign.id, partner_id=partner.id)
    db.session.commit()
    return endorsement


def withdraw(actor: Actor, account: Account, campaign_id: int) -> None:
    partner = _partner_of(account)
    endorsement = db.session.scalar(
        select(Endorsement).where(
            Endorsement.partner_id == partner.id, Endorsement.campaign_id == campaign_id
        )
    )
    if endorsement is None:
        raise PartnerError("Your organization does not endorse this campaign.")
    db.session.delete(endorsement)
    audit.record(actor, "campaign.withdraw", "campaign", campaign_id, partner_id=partner.id)
    db.session.commit()


def endorsed_campaign_ids(partner_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Endorsement.campaign_id).where(Endorsement.partner_id == partner_id)
        )
    )


def coalition_size() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Partner).where(Partner.status == PartnerStatus.APPROVED)
    )


def update_profile(
    actor: Actor, account: Account, mission: str, website: str, logo: bytes | None
) -> Partner:
    """The admin's own organization: mission, website and, if given, a new logo. A refused
    logo leaves the old one in place and changes nothing else either."""
    partner = _partner_of(account)
    prepared = logos.prepare_logo(logo) if logo is not None else None
    partner.mission = mission.strip()
    partner.website = website.strip()
    if prepared is not None:
        partner.logo = prepared
        partner.logo_version = (partner.logo_version or 0) + 1
    audit.record(actor, "partner.profile", "partner", partner.id, logo=prepared is not None)
    db.session.commit()
    return partner


def team(partner_id: int) -> list[Account]:
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.partner_id == partner_id, Account.disabled_at.is_(None))
            .order_by(Account.name, Account.email)
        )
    )


def teammate(account: Account, member_id: int) -> Account:
    """A member of the acting admin's own organization, or PartnerError (never another's)."""
    member = db.session.get(Account, member_id)
    if member is None or member.partner_id != account.partner_id or member.disabled_at:
        raise NoSuchMember("There is no such member of your organization.")
    return member


def _admins_left(partner_id: int, without: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Account)
        .where(
            Account.partner_id == partner_id,
            Account.role == Role.PARTNER_ADMIN,
            Account.disabled_at.is_(None),
            Account.id != without,
        )
    )


def change_role(actor: Actor, account: Account, member_id: int, role: Role) -> Account:
    _partner_of(account)
    if role not in (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        raise PartnerError("Choose administrator or member.")
    member = teammate(account, member_id)
    if role == Role.PARTNER_MEMBER and not _admins_left(member.partner_id, member.id):
        raise PartnerError("Your organization needs at least one administrator.")
    member.role = role
    audit.record(actor, "team.role", "account", member.id, role=role.value)
    db.session.commit()
    return member


def remove_member(actor: Actor, account: Account, member_id: int) -> Account:
    _partner_of(account)
    member = teammate(account, member_id)
    if member.role == Role.PARTNER_ADMIN and not _admins_left(member.partner_id, member.id):
        raise PartnerError("Your organization needs at least one administrator.")
    member.disabled_at = utcnow()
    member.session_version = (member.session_version or 0) + 1
    accounts.void_invitations_from(member.id)
    audit.record(actor, "team.remove", "account", member.id, email=member.email)
    db.session.commit()
    return member


def invite_member(actor: Actor, account: Account, email: str, role: Role, name: str = "") -> None:
    partner = _partner_of(account)
    if role not in (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        raise PartnerError("Choose administrator or member.")
    accounts.invite(actor, email, role, partner, name=name)
