"""Keeping contacts: made or brought up to date from confirmed signatures, subscribed only by
a ticked updates box, and unsubscribed, bounced or resubscribed with a line of history each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from campaign.core.addresses import normalize_email
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail import suppressions
from campaign.mail.suppressions import Suppression, SuppressionReason

from .models import Contact, Subscription, SubscriptionChange


@dataclass(frozen=True)
class Signer:
    """What a confirmed signature tells about its signer."""

    full_name: str
    email: str
    postal_code: str
    state: str | None
    consent_updates: bool
    campaign_title: str


def record_signer(signer: Signer) -> Contact:
    """Create or update the signer's contact (in the caller's transaction). A ticked updates
    box subscribes them, even after an unsubscribe or a bounce: they asked again, from an
    address that has just received our confirmation. An unticked box changes nothing."""
    key = normalize_email(signer.email)
    now = utcnow()
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    details = {
        "email": signer.email,
        "full_name": signer.full_name,
        "postal_code": signer.postal_code,
        "state": signer.state,
        "updated_at": now,
    }
    statement = insert(Contact).values(
        email_normalized=key,
        subscription=Subscription.NOT_SUBSCRIBED,
        created_at=now,
        **details,
    )
    db.session.execute(
        statement.on_conflict_do_update(index_elements=["email_normalized"], set_=details)
    )
    contact = db.session.scalars(
        select(Contact)
        .where(Contact.email_normalized == key)
        .execution_options(populate_existing=True)
    ).one()
    if signer.consent_updates:
        if contact.subscription != Subscription.SUBSCRIBED:
            reason = f"signed “{signer.campaign_title}” asking for updates"
            _change(contact, Subscription.SUBSCRIBED, reason)
        suppressions.lift(key)  # even if still marked subscribed (a bounce of outreach)
    return contact


# Contacts for confirmed signers who have none yet, in one statement (the demo's bulk
# signers; migration 0019 did the same for everyone who had signed before contacts).
_FROM_SIGNATURES = text(
    """
    INSERT INTO contacts (email, email_normalized, full_name, postal_code, state,
                          subscription, created_at, updated_at)
    SELECT s.email, s.email_normalized, s.full_name, s.postal_code, s.state,
           CASE WHEN latest.wants = 1 THEN 'subscribed' ELSE 'not_subscribed' END,
           s.confirmed_at, s.confirmed_at
    FROM signatures s
    JOIN (
        SELECT email_normalized, max(id) AS id,
               max(CASE WHEN consent_updates THEN 1 ELSE 0 END) AS wants
        FROM signatures WHERE confirmed_at IS NOT NULL GROUP BY email_normalized
    ) latest ON latest.id = s.id
    WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.email_normalized = s.email_normalized)
    """
)


def contacts_from_signatures() -> None:
    """Make the missing contacts of confirmed signers written in bulk (in the caller's
    transaction), with the details of their latest signature."""
    db.session.execute(_FROM_SIGNATURES)


def _change(contact: Contact, to: Subscription, reason: str) -> None:
    contact.subscription = to
    db.session.add(SubscriptionChange(contact_id=contact.id, subscription=to, reason=reason))


def contact_for(address: str) -> Contact | None:
    return db.session.scalar(
        select(Contact).where(Contact.email_normalized == normalize_email(address))
    )


@dataclass(frozen=True)
class Preferences:
    """What the preferences page shows for an address."""

    address: str
    contact: Contact | None
    suppression: Suppression | None

    @property
    def gets_updates(self) -> bool:
        """For a supporter: subscribed and not suppressed. For anyone else we write to (a
        target, a partner's admin): not suppressed."""
        if self.contact is None:
            return self.suppression is None
        subscribed = (
            self.contact is not None and self.contact.subscription == Subscription.SUBSCRIBED
        )
        return subscribed and self.suppression is None

    @property
    def gets_bulk_mail(self) -> bool:
        return self.suppression is None


def preferences(address: str) -> Preferences:
    return Preferences(address, contact_for(address), suppressions.reason_for(address))


def unsubscribe(address: str, how: str) -> bool:
    """No more bulk mail to this address, at once (in the caller's transaction). Returns
    False when it was already off the mailing lists: a second click changes nothing."""
    newly = suppressions.suppress(address, SuppressionReason.UNSUBSCRIBED, how)
    contact = contact_for(address)
    if contact is not None and contact.subscription == Subscription.SUBSCRIBED:
        _change(contact, Subscription.UNSUBSCRIBED, how)
        newly = True
    return newly


def resubscribe(address: str, how: str) -> bool:
    """Coalition updates again for someone who had left or bounced (from the preferences
    page, reached from one of our emails). False if they already get them."""
    lifted = suppressions.lift(address)
    contact = contact_for(address)
    if contact is not None and contact.subscription != Subscription.SUBSCRIBED:
        _change(contact, Subscription.SUBSCRIBED, how)
        return True
    return lifted


def record_bounce(address: str, detail: str) -> None:
    """The address refused our mail for good (or too many times): suppress it and say so on
    its contact."""
    suppressions.suppress(address, SuppressionReason.BOUNCED, detail)
    contact = contact_for(address)
    if contact is not None and contact.subscription == Subscription.SUBSCRIBED:
        _change(contact, Subscription.BOUNCED, detail[:500])


def history(contact: Contact) -> list[SubscriptionChange]:
    return list(
        db.session.scalars(
            select(SubscriptionChange)
            .where(SubscriptionChange.contact_id == contact.id)
            .order_by(SubscriptionChange.id)
        )
    )
