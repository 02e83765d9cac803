"""Joint letters: drafting, versioned text, opening to partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from campaign.accounts import services as accounts
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import locked, unique_slug, utcnow
from campaign.core.errors import Refused
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.letters.models import (
    CoSignature,
    JointLetter,
    LetterStatus,
    LetterVersion,
)
from campaign.mail import outbox
from campaign.partners.models import Partner, PartnerStatus
from campaign.targets.models import Target


class LetterRefused(Refused):
    """A refused request about a letter; the text says why."""


@dataclass(frozen=True)
class LetterDraft:
    title: str
    body: str
    target_ids: list[int]
    deadline: datetime
    campaign_id: int | None = None


def _targets(ids: list[int]) -> list[Target]:
    return list(db.session.scalars(select(Target).where(Target.id.in_(ids)))) if ids else []


def create_letter(actor: Actor, draft: LetterDraft) -> JointLetter:
    letter = JointLetter(
        slug=unique_slug(JointLetter, draft.title, "letter"),
        title=draft.title,
        deadline=draft.deadline,
        campaign_id=draft.campaign_id,
        created_by_id=actor.account_id,
        targets=_targets(draft.target_ids),
        current_version=1,
    )
    letter.versions.append(LetterVersion(number=1, body=draft.body))
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "letter.create", "letter", letter.id, title=letter.title)
    db.session.commit()
    return letter


def locked_letter(letter_id: int) -> JointLetter:
    """The letter, locked for a decision about it."""
    letter = locked(JointLetter, letter_id)
    if letter is None:
        raise LetterRefused("There is no such letter.")
    return letter


def edit_letter(actor: Actor, letter_id: int, draft: LetterDraft) -> JointLetter:
    """A draft is edited in place. A changed text on an open letter is a new version:
    co-signers of the earlier one are emailed and count again only once they confirm."""
    letter = locked_letter(letter_id)
    if letter.status == LetterStatus.DELIVERED:
        raise LetterRefused("A delivered letter cannot be changed.")
    if (
        letter.status == LetterStatus.OPEN
        and draft.body != letter.text
        and draft.deadline <= utcnow()
    ):
        raise LetterRefused(
            "Co-signing has closed: move the deadline into the future to change "
            "the text, since every partner will have to confirm it again."
        )
    letter.title = draft.title
    letter.deadline = draft.deadline
    letter.campaign_id = draft.campaign_id
    letter.targets = _targets(draft.target_ids)
    if letter.status == LetterStatus.DRAFT:
        letter.versions[-1].body = draft.body
    elif draft.body != letter.text:
        letter.current_version += 1
        letter.versions.append(LetterVersion(number=letter.current_version, body=draft.body))
        _notify_co_signers(letter)
    audit.record(actor, "letter.edit", "letter", letter.id, version=letter.current_version)
    db.session.commit()
    return letter


def open_letter(actor: Actor, letter_id: int) -> JointLetter:
    """Open a draft for co-signing and tell every approved partner's administrators."""
    letter = locked_letter(letter_id)
    if letter.status != LetterStatus.DRAFT:
        raise LetterRefused(f"This letter is already {letter.status.value}.")
    if not letter.targets:
        raise LetterRefused("Choose at least one target before opening the letter.")
    if letter.deadline <= utcnow():
        raise LetterRefused("Set a co-signing deadline in the future before opening the letter.")
    letter.status = LetterStatus.OPEN
    letter.opened_at = utcnow()
    url = external_url("portal.letter", letter_id=letter.id)
    for email in accounts.admin_emails(
        select(Partner.id).where(Partner.status == PartnerStatus.APPROVED)
    ):
        outbox.queue_email(
            "letter_opened",
            email,
            {"title": letter.title, "url": url, "deadline": f"{letter.last_day:%d %B %Y}"},
        )
    audit.record(actor, "letter.open", "letter", letter.id)
    db.session.commit()
    return letter


def _notify_co_signers(letter: JointLetter) -> None:
    """Ask the partners that co-signed an earlier text to confirm the new one."""
    partners = select(CoSignature.partner_id).where(
        CoSignature.letter_id == letter.id,
        CoSignature.withdrawn_at.is_(None),
        CoSignature.version < letter.current_version,
    )
    url = external_url("portal.letter", letter_id=letter.id)
    for email in accounts.admin_emails(partners):
        outbox.queue_email("letter_changed", email, {"title": letter.title, "url": url})
