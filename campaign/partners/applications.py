"""Organizations applying to partner with the coalition."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from campaign.accounts import services as accounts
from campaign.accounts.models import Account, Role
from campaign.core import audit, throttle
from campaign.core.addresses import normalize_email
from campaign.core.audit import Actor
from campaign.core.db import locked, unique_slug, utcnow
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.mail import outbox
from campaign.partners.membership import PartnerRefused
from campaign.partners.models import (
    ApplicationStatus,
    Partner,
    PartnerApplication,
    PartnerStatus,
)
from campaign.partners.statement import STATEMENT_VERSION


class ApplicationRefused(Refused):
    """The application cannot be taken; the text says why, in words for the applicant."""


@dataclass(frozen=True)
class ApplicationRequest:
    organization_name: str
    website: str
    description: str
    focus_areas: list[str]
    states_served: list[str]
    constituency_size: str
    contact_name: str
    contact_title: str
    contact_email: str


def website_key(url: str) -> str:
    """What makes two website addresses the same organization: the host, without 'www.'."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")


PENDING_MESSAGE = (
    "An application for this {what} is already waiting for review. We will email the contact "
    "on it as soon as a coordinator has decided; there is no need to apply again."
)


# Emails an application causes, at most: acknowledgements to one contact address, and
# notices to the coordinators (each of whom gets one per application).
ACKNOWLEDGEMENTS = "3/day"
COORDINATOR_NOTICES = "10/hour"


def apply_to_partner(request: ApplicationRequest) -> PartnerApplication:
    """Record an application and queue the acknowledgement to the applicant and a notice to
    every coordinator. Refused while another application for the same website or contact
    email is pending."""
    site, contact = website_key(request.website), normalize_email(request.contact_email)
    _refuse_if_pending(site, contact)
    if any(website_key(url) == site for url in db.session.scalars(select(Partner.website))):
        raise ApplicationRefused(
            "An organization with this website is already a partner. Ask its administrator "
            "to invite you to its team."
        )
    now = utcnow()
    application = PartnerApplication(
        **asdict(request),
        website_key=site,
        contact_email_key=contact,
        statement_version=STATEMENT_VERSION,
        agreed_at=now,
        status=ApplicationStatus.PENDING,
        created_at=now,
    )
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # a second application raced this one past the check
        db.session.rollback()
        _refuse_if_pending(site, contact)
        raise
    if throttle.allow(ACKNOWLEDGEMENTS, "application-ack", contact):
        outbox.queue_email(
            "application_received",
            request.contact_email,
            {
                "contact_name": request.contact_name,
                "organization_name": request.organization_name,
            },
        )
    # Coordinators hear of the first few each hour; the console lists every one.
    if throttle.allow(COORDINATOR_NOTICES, "application-notice", "coordinators"):
        for coordinator in db.session.scalars(
            select(Account.email).where(Account.role == Role.COORDINATOR)
        ):
            outbox.queue_email(
                "application_notice",
                coordinator,
                {
                    "organization_name": request.organization_name,
                    "website": request.website,
                    "contact_name": request.contact_name,
                    "contact_email": request.contact_email,
                },
            )
    db.session.commit()
    return application


def _refuse_if_pending(site: str, contact: str) -> None:
    pending = db.session.execute(
        select(PartnerApplication.website_key, PartnerApplication.contact_email_key).where(
            PartnerApplication.status == ApplicationStatus.PENDING,
            or_(
                PartnerApplication.website_key == site,
                PartnerApplication.contact_email_key == contact,
            ),
        )
    ).first()
    if pending is not None:
        what = "website" if pending.website_key == site else "contact email"
        raise ApplicationRefused(PENDING_MESSAGE.format(what=what))


def _pending_application(application_id: int) -> PartnerApplication:
    application = locked(PartnerApplication, application_id)
    if application is None:
        raise PartnerRefused("There is no such application.")
    if application.status != ApplicationStatus.PENDING:
        raise PartnerRefused(
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
        raise PartnerRefused("Approval clashed with another; please try again.") from exc
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
    try:
        accounts.invite(
            actor,
            application.contact_email,
            Role.PARTNER_ADMIN,
            partner,
            name=application.contact_name,
        )
    except ValueError as exc:  # AccountRefused, InvalidEmail: the contact cannot be invited
        db.session.rollback()
        raise PartnerRefused(f"Not approved: {exc}") from exc
    db.session.commit()
    return partner


def reject_application(actor: Actor, application_id: int, reason: str) -> None:
    """Refuse with a reason, which is emailed to the contact."""
    if not reason.strip():
        raise PartnerRefused("Give the reason; it is sent to the applicant.")
    application = _pending_application(application_id)
    application.status = ApplicationStatus.REJECTED
    application.decided_at = utcnow()
    application.decided_by_id = actor.account_id
    application.rejection_reason = reason.strip()
    audit.record(actor, "application.reject", "application", application.id, reason=reason)
    outbox.queue_email(
        "application_rejected",
        application.contact_email,
        {
            "contact_name": application.contact_name,
            "organization_name": application.organization_name,
            "reason": reason.strip(),
        },
    )
    db.session.commit()


def waiting(limit: int = 10) -> list[PartnerApplication]:
    """The oldest applications waiting for a coordinator's decision."""
    return list(
        db.session.scalars(
            select(PartnerApplication)
            .where(PartnerApplication.status == ApplicationStatus.PENDING)
            .order_by(PartnerApplication.created_at, PartnerApplication.id)
            .limit(limit)
        )
    )


def waiting_count() -> int:
    """Applications waiting for a coordinator's decision."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(PartnerApplication)
            .where(PartnerApplication.status == ApplicationStatus.PENDING)
        )
        or 0
    )
