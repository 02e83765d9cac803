"""Co-signing a joint letter: partner admins sign its current text for their organization,
and may withdraw until it is delivered."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from campaign.accounts.models import Account, Role
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.letters.drafting import LetterRefused, locked_letter
from campaign.letters.models import (
    CoSignature,
    JointLetter,
    LetterStatus,
)
from campaign.partners.models import Partner, PartnerStatus


def co_sign(
    actor: Actor,
    account: Account,
    letter_id: int,
    name: str,
    title: str,
    authorized: bool,
    version: int,
) -> CoSignature:
    """The account's organization signs the text it read (version), which must be the current
    one, through a named signatory who is authorized to sign for it. Only admins of approved
    partners, only before the deadline."""
    if account.role != Role.PARTNER_ADMIN or account.partner_id is None:
        raise LetterRefused("Only your organization's administrator can co-sign letters.")
    partner = _approved_partner(account)
    if not authorized:
        raise LetterRefused(
            "Confirm that the signatory is authorized to sign for your organization."
        )
    letter = locked_letter(letter_id)
    if letter.status != LetterStatus.OPEN:
        raise LetterRefused("This letter is not open for co-signing.")
    if version != letter.current_version:
        raise LetterRefused(
            "The letter's text changed while you were reading it. Read the new "
            "text below and co-sign again if your organization agrees."
        )
    if utcnow() >= letter.deadline:
        raise LetterRefused(f"The deadline for co-signing was {letter.last_day:%d %B %Y}.")
    signature = db.session.scalar(
        select(CoSignature).where(
            CoSignature.letter_id == letter.id, CoSignature.partner_id == partner.id
        )
    )
    if signature is None:
        signature = CoSignature(letter_id=letter.id, partner_id=partner.id)
        db.session.add(signature)
    signature.version = letter.current_version
    signature.signatory_name = name
    signature.signatory_title = title
    signature.authorized = True
    signature.signed_by_id = account.id
    signature.signed_at = utcnow()
    signature.withdrawn_at = None
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise LetterRefused("Your organization has just co-signed this letter.") from exc
    audit.record(
        actor,
        "letter.co_sign",
        "letter",
        letter.id,
        partner_id=partner.id,
        version=letter.current_version,
    )
    db.session.commit()
    return signature


def withdraw_co_signature(actor: Actor, account: Account, letter_id: int) -> None:
    if account.role != Role.PARTNER_ADMIN or account.partner_id is None:
        raise LetterRefused("Only your organization's administrator can withdraw a co-signature.")
    _approved_partner(account)
    letter = locked_letter(letter_id)
    if letter.status == LetterStatus.DELIVERED:
        raise LetterRefused("The letter has been delivered; co-signatures can no longer change.")
    signature = db.session.scalar(
        select(CoSignature).where(
            CoSignature.letter_id == letter.id,
            CoSignature.partner_id == account.partner_id,
            CoSignature.withdrawn_at.is_(None),
        )
    )
    if signature is None:
        raise LetterRefused("Your organization has not co-signed this letter.")
    signature.withdrawn_at = utcnow()
    audit.record(actor, "letter.withdraw", "letter", letter.id, partner_id=account.partner_id)
    db.session.commit()


def _approved_partner(account: Account) -> Partner:
    partner = db.session.get(Partner, account.partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        raise LetterRefused("Your organization is not an approved partner right now.")
    return partner


def counting() -> ColumnElement[bool]:
    """A co-signature that counts: of the letter's current text, not withdrawn, by a partner
    still approved (the query joins JointLetter and Partner)."""
    return and_(
        CoSignature.version == JointLetter.current_version,
        CoSignature.withdrawn_at.is_(None),
        Partner.status == PartnerStatus.APPROVED,
    )


def current_co_signers(letter: JointLetter) -> list[CoSignature]:
    """Who counts on this letter, by organization name."""
    return list(
        db.session.scalars(
            select(CoSignature)
            .join(JointLetter, JointLetter.id == CoSignature.letter_id)
            .join(CoSignature.partner)
            .options(contains_eager(CoSignature.partner))
            .where(CoSignature.letter_id == letter.id, counting())
            .order_by(Partner.name)
        )
    )


def signature_of(letter: JointLetter, partner_id: int) -> CoSignature | None:
    return db.session.scalar(
        select(CoSignature).where(
            CoSignature.letter_id == letter.id,
            CoSignature.partner_id == partner_id,
            CoSignature.withdrawn_at.is_(None),
        )
    )
