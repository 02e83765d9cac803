"""factory_boy factories for the models, committing through the app's session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from campaign.accounts.models import Account, Role
from campaign.accounts.services import hash_password
from campaign.campaigns.models import Campaign, CampaignStatus, Signature
from campaign.contacts.models import Contact, Subscription
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail import dispatcher, outbox
from campaign.partners.models import Endorsement, Partner, PartnerStatus
from campaign.targets.models import Target


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class TargetFactory(_Base):
    class Meta:
        model = Target

    name = factory.Sequence(lambda n: f"Sen. Target {n}")
    title = "Chair, Health Committee"
    office = "U.S. Senate"
    state = "CA"
    email = factory.Sequence(lambda n: f"target{n}@senate.example.gov")


class CampaignFactory(_Base):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title = factory.Sequence(lambda n: f"Fund depression research {n}")
    summary = "Research into depression is underfunded."
    ask = "We ask Congress to fund depression research."
    rationale = "Depression is a **leading cause** of disability."
    goal = 100
    status = CampaignStatus.OPEN


class SignatureFactory(_Base):
    """A confirmed signature unless told otherwise (confirmed_at=None)."""

    class Meta:
        model = Signature

    full_name = factory.Sequence(lambda n: f"Signer {n}")
    email = factory.Sequence(lambda n: f"signer{n}@example.org")
    email_normalized = factory.LazyAttribute(lambda s: s.email)
    postal_code = "20005"
    confirmed_at = factory.LazyFunction(utcnow)


class ContactFactory(_Base):
    """A supporter who asked for coalition updates unless told otherwise."""

    class Meta:
        model = Contact

    full_name = factory.Sequence(lambda n: f"Supporter {n}")
    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    email_normalized = factory.LazyAttribute(lambda c: c.email.lower())
    postal_code = "20005"
    state = "DC"
    subscription = Subscription.SUBSCRIBED


class PartnerFactory(_Base):
    class Meta:
        model = Partner

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner Organization {n}")
    website = "https://partner.example.org"
    mission = "Family support."
    status = PartnerStatus.APPROVED


class EndorsementFactory(_Base):
    class Meta:
        model = Endorsement

    partner_id = factory.LazyFunction(lambda: PartnerFactory().id)
    statement = "We stand behind this."


def queued_email(recipient: str) -> dispatcher.QueuedEmail:
    """A committed confirmation email row for recipient, not yet handed to a worker."""
    email = outbox.queue_email(
        "signature_confirm",
        recipient,
        {
            "full_name": "Ann",
            "campaign_title": "T",
            "confirm_url": "http://x/confirm/t",
            "ttl_hours": 72,
        },
    )
    dispatcher.discard_pending(db.session())
    db.session.commit()
    return email


class AccountFactory(_Base):
    class Meta:
        model = Account

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    # A real argon2id hash, made once: hashing per account would slow every test.
    password_hash = factory.LazyFunction(lambda: _password_hash())
    role = Role.COORDINATOR


PASSWORD = "correct horse battery staple"
_hash_cache: list[str] = []


def _password_hash() -> str:
    if not _hash_cache:
        _hash_cache.append(hash_password(PASSWORD))
    return _hash_cache[0]
