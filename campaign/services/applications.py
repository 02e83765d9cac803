"""Organizations applying to partner with the coalition."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from campaign.extensions import db
from campaign.models import Account, ApplicationStatus, Partner, PartnerApplication, Role
from campaign.models._types import utcnow
from campaign.services import dispatcher, outbox, throttle
from campaign.services.emails import normalize_email
from campaign.services.statement import STATEMENT_VERSION


class ApplicationRefused(ValueError):
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
    emails = []
    if throttle.allow(ACKNOWLEDGEMENTS, "application-ack", contact):
        emails.append(
            outbox.queue_email(
                "application_received",
                request.contact_email,
                {
                    "contact_name": request.contact_name,
                    "organization_name": request.organization_name,
                },
            )
        )
    # Coordinators hear of the first few each hour; the console lists every one.
    if throttle.allow(COORDINATOR_NOTICES, "application-notice", "coordinators"):
        emails += [
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
            for coordinator in db.session.scalars(
                select(Account.email).where(Account.role == Role.COORDINATOR)
            )
        ]
    db.session.commit()
    dispatcher.dispatch(emails)
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
