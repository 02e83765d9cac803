"""Reminding partners that have not co-signed a letter whose deadline is near."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite

from campaign.accounts import services as accounts
from campaign.core.db import utcnow
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.letters.models import (
    CoSignature,
    JointLetter,
    LetterReminder,
    LetterStatus,
)
from campaign.mail import outbox
from campaign.partners.models import Partner, PartnerStatus

# Rows claimed per INSERT (three parameters each, well below the databases' limits).
CLAIMS_PER_STATEMENT = 1000


def send_reminders(now: datetime | None = None) -> int:
    """Remind every approved partner that has not co-signed the current text of an open
    letter whose deadline is within LETTER_REMINDER_DAYS; once per partner per letter (the
    unique reminder row decides, so two beats at once send one)."""
    now = now or utcnow()
    window = now + timedelta(days=current_app.config["LETTER_REMINDER_DAYS"])
    due = db.session.scalars(
        select(JointLetter).where(
            JointLetter.status == LetterStatus.OPEN,
            JointLetter.deadline > now,
            JointLetter.deadline <= window,
        )
    ).all()
    if not due:
        return 0
    letter_ids = [letter.id for letter in due]
    signed = _pairs(
        select(CoSignature.letter_id, CoSignature.partner_id)
        .join(JointLetter, JointLetter.id == CoSignature.letter_id)
        .where(
            CoSignature.letter_id.in_(letter_ids),
            CoSignature.version == JointLetter.current_version,
            CoSignature.withdrawn_at.is_(None),
        )
    )
    reminded = _pairs(
        select(LetterReminder.letter_id, LetterReminder.partner_id).where(
            LetterReminder.letter_id.in_(letter_ids)
        )
    )
    partners = db.session.scalars(
        select(Partner.id).where(Partner.status == PartnerStatus.APPROVED)
    ).all()
    done = signed | reminded
    wanted = [
        {"letter_id": letter.id, "partner_id": partner_id, "sent_at": now}
        for letter in due
        for partner_id in partners
        if (letter.id, partner_id) not in done
    ]
    # The unique row per letter and partner is the claim: of two beats at once, one wins it.
    claimed = [
        row
        for start in range(0, len(wanted), CLAIMS_PER_STATEMENT)
        for row in db.session.execute(
            _insert_ignore(LetterReminder)
            .values(wanted[start : start + CLAIMS_PER_STATEMENT])
            .returning(LetterReminder.letter_id, LetterReminder.partner_id)
        )
    ]
    admins = accounts.admin_emails_by_partner({partner_id for _, partner_id in claimed})
    letters = {letter.id: letter for letter in due}
    sent = 0
    for letter_id, partner_id in claimed:
        letter = letters[letter_id]
        context = {
            "title": letter.title,
            "url": external_url("portal.letter", letter_id=letter.id),
            "deadline": f"{letter.last_day:%d %B %Y}",
        }
        for address in admins.get(partner_id, []):
            outbox.queue_email("letter_reminder", address, context)
            sent += 1
    db.session.commit()
    return sent


def _pairs(statement: Select[int, int]) -> set[tuple[int, int]]:
    """(letter, partner) pairs."""
    return {(letter_id, partner_id) for letter_id, partner_id in db.session.execute(statement)}


def _insert_ignore(model):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
