"""Signing a petition and confirming the signature by email."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import CursorResult, Insert, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from campaign.campaigns import holds
from campaign.campaigns.models import Campaign, Signature
from campaign.contacts import services as contacts
from campaign.core import audit
from campaign.core.addresses import normalize_email
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.core.errors import Refused
from campaign.core.links import external_url
from campaign.core.places import state_for_zip
from campaign.core.tokens import hash_token, new_token
from campaign.extensions import db
from campaign.mail import dispatcher, outbox


class Signable(Protocol):
    """A campaign as signing sees it: a Campaign or a cached CampaignRef."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def is_open(self) -> bool: ...


class CampaignNotOpen(Refused):
    """The campaign is a draft or closed and takes no signatures."""


@dataclass(frozen=True)
class SignatureRequest:
    full_name: str
    email: str
    postal_code: str
    comment: str = ""
    consent_updates: bool = False
    show_publicly: bool = False
    appeal_id: int | None = None  # the appeal whose sign button brought the signer


class Confirmation(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def sign_petition(
    campaign: Signable, request: SignatureRequest, address: str | None = None
) -> None:
    """Record a signature and queue its confirmation email. A second signature with the same
    normalized email changes nothing and gets at most one "you already signed" email; the
    caller shows both the same page. One of too many from the same address (see holds) is
    held: stored, no email, not counted, until a coordinator releases it."""
    if not campaign.is_open:
        raise CampaignNotOpen("This petition is closed and no longer takes signatures.")
    normalized = normalize_email(request.email)
    token, token_hash = new_token()
    now = utcnow()
    held = holds.should_hold(address)
    values = {
        "campaign_id": campaign.id,
        "full_name": request.full_name,
        "email": request.email,
        "email_normalized": normalized,
        "postal_code": request.postal_code.upper(),
        "state": state_for_zip(request.postal_code),
        "comment": request.comment,
        "consent_updates": request.consent_updates,
        "show_publicly": request.show_publicly,
        "token_hash": token_hash,
        "token_expires_at": now + _ttl(),
        "created_at": now,
        "held_at": now if held else None,
        "held_address": address if held else None,
        "campaign_version": campaign.version,
        "may_show_comment": True,  # the form says it may be shown
        "appeal_id": request.appeal_id,
    }
    if held:
        # Nobody is emailed because of a held signature, not even about a repeat.
        db.session.connection().execute(*_insert_signature(values))
        db.session.commit()
        return
    # The signature and its confirmation email: one statement, committed as it runs.
    insert, values = _insert_signature(values)
    template, recipient, context = _confirmation(campaign, request, token)
    new_id, _ = outbox.commit_with_email(insert, values, template, recipient, context)
    if new_id is None:
        _queue_duplicate_notice(campaign, request, normalized)
        db.session.commit()


def _confirmation(
    campaign: Signable, request: SignatureRequest, token: str
) -> tuple[str, str, dict[str, Any]]:
    """The confirmation email's template, recipient and context."""
    return (
        "signature_confirm",
        request.email,
        {
            "full_name": request.full_name,
            "campaign_title": campaign.title,
            "confirm_url": external_url("public.confirm", token=token),
            "ttl_hours": current_app.config["CONFIRMATION_TTL_HOURS"],
        },
    )


def _queue_confirmation(
    campaign: Signable, request: SignatureRequest, token: str
) -> dispatcher.QueuedEmail:
    return outbox.queue_email(*_confirmation(campaign, request, token))


def _queue_duplicate_notice(
    campaign: Signable, request: SignatureRequest, normalized: str
) -> dispatcher.QueuedEmail | None:
    """The one "you already signed" email; for an unconfirmed signature it carries a fresh link
    (the old one stops working), since the first email was probably lost."""
    row = db.session.execute(
        update(Signature)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.email_normalized == normalized,
            Signature.duplicate_notice_at.is_(None),
            Signature.held_at.is_(None),  # a held one waits for a coordinator
        )
        .values(duplicate_notice_at=utcnow())
        .returning(Signature.id, Signature.confirmed_at)
    ).first()
    if row is None:
        return None
    confirm_url = None
    if row.confirmed_at is None:
        confirm_url = external_url("public.confirm", token=_rotate_token(row.id))
    return outbox.queue_email(
        "already_signed",
        request.email,
        {
            "campaign_title": campaign.title,
            "campaign_url": external_url("public.campaign_page", slug=campaign.slug),
            "confirm_url": confirm_url,
            "ttl_hours": current_app.config["CONFIRMATION_TTL_HOURS"],
        },
    )


def release_held(actor: Actor, address: str) -> int:
    """Let an address's held signatures through: each signer gets the confirmation email
    they would have had (with a fresh link), and counts once confirmed."""
    rows = list(
        db.session.scalars(
            select(Signature)
            .where(Signature.held_address == address, Signature.held_at.is_not(None))
            .with_for_update()
        )
    )
    campaigns = {
        c.id: c
        for c in db.session.scalars(
            select(Campaign).where(Campaign.id.in_({s.campaign_id for s in rows}))
        )
    }
    for s in rows:
        _queue_confirmation(
            campaigns[s.campaign_id],
            SignatureRequest(s.full_name, s.email, s.postal_code),
            _rotate_token(s.id),
        )
    db.session.execute(
        update(Signature)
        .where(Signature.id.in_([s.id for s in rows]))
        .values(held_at=None, held_address=None)
    )
    audit.record(actor, "signatures.release", "address", None, address=address, count=len(rows))
    db.session.commit()
    return len(rows)


def discard_held(actor: Actor, address: str) -> int:
    """Delete an address's held signatures: nobody was emailed, nothing was counted."""
    removed = cast(
        CursorResult,  # what execute() returns for a DELETE, typed only as Result
        db.session.execute(
            delete(Signature).where(
                Signature.held_address == address, Signature.held_at.is_not(None)
            )
        ),
    ).rowcount
    audit.record(actor, "signatures.discard", "address", None, address=address, count=removed)
    db.session.commit()
    return removed


def signature_for_token(token: str) -> Signature | None:
    return db.session.scalar(select(Signature).where(Signature.token_hash == hash_token(token)))


def confirmation_state(signature: Signature | None) -> Confirmation | None:
    """What a confirmation link would do now: None when it would confirm."""
    if signature is None:
        return Confirmation.UNKNOWN
    if signature.confirmed_at is not None:
        return Confirmation.ALREADY_CONFIRMED
    if signature.token_expires_at is None or signature.token_expires_at <= utcnow():
        return Confirmation.EXPIRED
    return None


def confirm_signature(token: str) -> tuple[Confirmation, Signature | None]:
    """Confirm the signature a link's token belongs to; the link works once."""
    signature = signature_for_token(token)
    state = confirmation_state(signature)
    if state is not None:
        return state, signature
    assert signature is not None
    confirmed = cast(
        CursorResult,  # what execute() returns for an UPDATE, typed only as Result
        db.session.execute(
            update(Signature)
            .where(Signature.id == signature.id, Signature.confirmed_at.is_(None))
            .values(confirmed_at=utcnow())
        ),
    ).rowcount
    if confirmed:
        _keep_contact(signature)
    db.session.commit()
    return (Confirmation.CONFIRMED if confirmed else Confirmation.ALREADY_CONFIRMED), signature


def _keep_contact(signature: Signature) -> None:
    campaign = db.session.get(Campaign, signature.campaign_id)
    assert campaign is not None
    contacts.record_signer(
        contacts.Signer(
            full_name=signature.full_name,
            email=signature.email,
            postal_code=signature.postal_code,
            state=signature.state,
            consent_updates=signature.consent_updates,
            campaign_title=campaign.title,
        )
    )


def renew_link(token: str) -> tuple[bool, Confirmation | None, Signature | None]:
    """Email a fresh link for an expired one. Returns whether one was sent, the old link's
    state (None: it still works) and its signature. Only an expired link can be renewed, so
    this cannot be used to flood a mailbox."""
    signature = signature_for_token(token)
    state = confirmation_state(signature)
    if state is not Confirmation.EXPIRED:
        return False, state, signature
    assert signature is not None
    campaign = db.session.get(Campaign, signature.campaign_id)
    assert campaign is not None
    _queue_confirmation(
        campaign,
        SignatureRequest(signature.full_name, signature.email, signature.postal_code),
        _rotate_token(signature.id),
    )
    db.session.commit()
    return True, state, signature


def _rotate_token(signature_id: int) -> str:
    token, token_hash = new_token()
    db.session.execute(
        update(Signature)
        .where(Signature.id == signature_id)
        .values(token_hash=token_hash, token_expires_at=utcnow() + _ttl())
    )
    return token


def _ttl() -> timedelta:
    return timedelta(hours=current_app.config["CONFIRMATION_TTL_HOURS"])


def _insert_signature(values: dict[str, object]) -> tuple[Insert, dict[str, object]]:
    """INSERT ... ON CONFLICT DO NOTHING: the unique index, not a prior SELECT, decides
    whether this person already signed, so two racing requests cannot both insert. The
    statement is built once per dialect and column set; only the values change."""
    return _insert_signature_for(db.engine.dialect.name, tuple(values)), values


@cache
def _insert_signature_for(dialect: str, columns: tuple[str, ...]) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(Signature)
        .values({**_column_defaults(columns), **{name: bindparam(name) for name in columns}})
        .on_conflict_do_nothing(index_elements=["campaign_id", "email_normalized"])
        .returning(Signature.id)
    )


def _column_defaults(given: tuple[str, ...]) -> dict[str, object]:
    """The Python-side defaults of the columns not given. SQLAlchemy applies none inside a
    CTE (outbox.commit_with_email), so the statement says them itself."""
    defaults: dict[str, object] = {}
    for column in Signature.__table__.c:
        if column.default is None or column.name in given:
            continue
        if not column.default.is_scalar:
            raise TypeError(f"signatures.{column.name}: give it, its default is computed")
        defaults[column.name] = column.default.arg
    return defaults
