"""Who an appeal goes to: subscribed contacts, narrowed by state and by the campaigns they
signed or did not, never anyone on the suppression list nor anyone who already signed the
campaign it asks for; or, for a partner notice, the administrators of approved partners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    func,
    literal,
    select,
)

from campaign.accounts.models import Account, Role
from campaign.campaigns.models import Signature
from campaign.contacts.models import Contact, Subscription
from campaign.extensions import db
from campaign.mail.suppressions import Suppression
from campaign.partners.models import Partner, PartnerStatus

from .models import Audience


@dataclass(frozen=True)
class AudienceFilter:
    """An appeal's audience, as its coordinator chose it."""

    audience: Audience = Audience.SUPPORTERS
    campaign_id: int | None = None  # its signers are left out: they have signed already
    states: Sequence[str] = field(default_factory=tuple)
    signed: Sequence[int] = field(default_factory=tuple)  # signed any of these
    not_signed: Sequence[int] = field(default_factory=tuple)  # signed none of these


def _signed(email_normalized: SQLColumnExpression[str], campaign_ids: Sequence[int]) -> Exists:
    return exists().where(
        Signature.email_normalized == email_normalized,
        Signature.campaign_id.in_(list(campaign_ids)),
        Signature.confirmed_at.is_not(None),
    )


def _not_suppressed(email_normalized: SQLColumnExpression[str]) -> ColumnElement[bool]:
    return ~exists().where(Suppression.email_normalized == email_normalized)


def recipients(chosen: AudienceFilter) -> Select:
    """(email, full_name, contact_id) of everyone the appeal would go to now."""
    if chosen.audience == Audience.PARTNERS:
        return (
            select(
                Account.email,
                Partner.name.label("full_name"),
                literal(None, Integer).label("contact_id"),
            )
            .join(Partner, Partner.id == Account.partner_id)
            .where(
                Partner.status == PartnerStatus.APPROVED,
                Account.role == Role.PARTNER_ADMIN,
                Account.disabled_at.is_(None),
                _not_suppressed(func.lower(Account.email)),
            )
        )
    conditions: list[ColumnElement[bool]] = [
        Contact.subscription == Subscription.SUBSCRIBED,
        _not_suppressed(Contact.email_normalized),
    ]
    if chosen.states:
        conditions.append(Contact.state.in_(list(chosen.states)))
    if chosen.signed:
        conditions.append(_signed(Contact.email_normalized, chosen.signed))
    left_out = [*chosen.not_signed, *([chosen.campaign_id] if chosen.campaign_id else [])]
    if left_out:
        conditions.append(~_signed(Contact.email_normalized, left_out))
    return select(Contact.email, Contact.full_name, Contact.id.label("contact_id")).where(
        and_(*conditions)
    )


def count(chosen: AudienceFilter) -> int:
    """How many the appeal would go to if it were sent now."""
    return db.session.scalar(select(func.count()).select_from(recipients(chosen).subquery())) or 0
