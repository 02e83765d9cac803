"""Joint letters: drafting, versioned text, opening to partners, co-signing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.models import (
    Account,
    Campaign,
    CoSignature,
    JointLetter,
    LetterDelivery,
    LetterReminder,
    LetterStatus,
    LetterVersion,
    Partner,
    PartnerStatus,
    Role,
    Stream,
    Target,
    TargetResponse,
)
from campaign.models._types import utcnow
from campaign.services import accounts, audit, counts, dispatcher, mailer, outbox
from campaign.services.audit import Actor
from campaign.services.links import external_url
from campaign.services.markup import render_markdown
from campaign.services.rows import locked, unique_slug


class LetterError(ValueError):
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


def _letter(letter_id: int) -> JointLetter:
    letter = locked(JointLetter, letter_id)
    if letter is None:
        raise LetterError("There is no such letter.")
    return letter


def edit_letter(actor: Actor, letter_id: int, draft: LetterDraft) -> JointLetter:
    """A draft is edited in place. A changed text on an open letter is a new version:
    co-signers of the earlier one are emailed and count again only once they confirm."""
    letter = _letter(letter_id)
    if letter.status == LetterStatus.DELIVERED:
        raise LetterError("A delivered letter cannot be changed.")
    if (
        letter.status == LetterStatus.OPEN
        and draft.body != letter.text
        and draft.deadline <= utcnow()
    ):
        raise LetterError(
            "Co-signing has closed: move the deadline into the future to change "
            "the text, since every partner will have to confirm it again."
        )
    letter.title = draft.title
    letter.deadline = draft.deadline
    letter.campaign_id = draft.campaign_id
    letter.targets = _targets(draft.target_ids)
    emails = []
    if letter.status == LetterStatus.DRAFT:
        letter.versions[-1].body = draft.body
    elif draft.body != letter.text:
        letter.current_version += 1
        letter.versions.append(LetterVersion(number=letter.current_version, body=draft.body))
        emails = _notify_co_signers(letter)
    audit.record(actor, "letter.edit", "letter", letter.id, version=letter.current_version)
    db.session.commit()
    dispatcher.dispatch(emails)
    return letter


def open_letter(actor: Actor, letter_id: int) -> JointLetter:
    """Open a draft for co-signing and tell every approved partner's administrators."""
    letter = _letter(letter_id)
    if letter.status != LetterStatus.DRAFT:
        raise LetterError(f"This letter is already {letter.status.value}.")
    if not letter.targets:
        raise LetterError("Choose at least one target before opening the letter.")
    if letter.deadline <= utcnow():
        raise LetterError("Set a co-signing deadline in the future before opening the letter.")
    letter.status = LetterStatus.OPEN
    letter.opened_at = utcnow()
    url = external_url("portal.letter", letter_id=letter.id)
    emails = [
        outbox.queue_email(
            "letter_opened",
            email,
            {"title": letter.title, "url": url, "deadline": f"{letter.last_day:%d %B %Y}"},
        )
        for email in accounts.admin_emails(
            select(Partner.id).where(Partner.status == PartnerStatus.APPROVED)
        )
    ]
    audit.record(actor, "letter.open", "letter", letter.id)
    db.session.commit()
    dispatcher.dispatch(emails)
    return letter


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
        raise LetterError("Only your organization's administrator can co-sign letters.")
    partner = _approved_partner(account)
    if not authorized:
        raise LetterError("Confirm that the signatory is authorized to sign for your organization.")
    letter = _letter(letter_id)
    if letter.status != LetterStatus.OPEN:
        raise LetterError("This letter is not open for co-signing.")
    if version != letter.current_version:
        raise LetterError(
            "The letter's text changed while you were reading it. Read the new "
            "text below and co-sign again if your organization agrees."
        )
    if utcnow() >= letter.deadline:
        raise LetterError(f"The deadline for co-signing was {letter.last_day:%d %B %Y}.")
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
        raise LetterError("Your organization has just co-signed this letter.") from exc
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
        raise LetterError("Only your organization's administrator can withdraw a co-signature.")
    _approved_partner(account)
    letter = _letter(letter_id)
    if letter.status == LetterStatus.DELIVERED:
        raise LetterError("The letter has been delivered; co-signatures can no longer change.")
    signature = db.session.scalar(
        select(CoSignature).where(
            CoSignature.letter_id == letter.id,
            CoSignature.partner_id == account.partner_id,
            CoSignature.withdrawn_at.is_(None),
        )
    )
    if signature is None:
        raise LetterError("Your organization has not co-signed this letter.")
    signature.withdrawn_at = utcnow()
    audit.record(actor, "letter.withdraw", "letter", letter.id, partner_id=account.partner_id)
    db.session.commit()


def _approved_partner(account: Account) -> Partner:
    partner = db.session.get(Partner, account.partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        raise LetterError("Your organization is not an approved partner right now.")
    return partner


def current_co_signers(letter: JointLetter) -> list[CoSignature]:
    """Who counts: signed the current text, not withdrawn, partner still approved."""
    return list(
        db.session.scalars(
            select(CoSignature)
            .join(CoSignature.partner)
            .where(
                CoSignature.letter_id == letter.id,
                CoSignature.version == letter.current_version,
                CoSignature.withdrawn_at.is_(None),
                Partner.status == PartnerStatus.APPROVED,
            )
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


def _notify_co_signers(letter: JointLetter) -> list[dispatcher.QueuedEmail]:
    partners = select(CoSignature.partner_id).where(
        CoSignature.letter_id == letter.id,
        CoSignature.withdrawn_at.is_(None),
        CoSignature.version < letter.current_version,
    )
    url = external_url("portal.letter", letter_id=letter.id)
    return [
        outbox.queue_email("letter_changed", email, {"title": letter.title, "url": url})
        for email in accounts.admin_emails(partners)
    ]


def outreach_context(
    letter: JointLetter,
    target: Target,
    co_signers: list[CoSignature],
    counts: dict[str, int] | None,
) -> dict[str, object]:
    """What the email to one target says: the letter, who signed, and how many constituents."""
    context: dict[str, object] = {
        "title": letter.title,
        "target_name": target.name,
        "target_title": target.title,
        "letter_text": letter.text,
        "letter_html": str(render_markdown(letter.text)),
        "co_signers": [
            {
                "organization": s.partner.name,
                "signatory": s.signatory_name,
                "signatory_title": s.signatory_title,
            }
            for s in co_signers
        ],
        "letter_url": external_url("public.letter_page", slug=letter.slug),
        "attachments": [
            {
                "filename": f"{letter.slug}-co-signers.csv",
                "mimetype": "text/csv",
                "content": co_signers_csv(co_signers),
            }
        ],
    }
    if counts is not None:
        context["signers_total"] = sum(counts.values())
        context["signers_in_state"] = counts.get(target.state or "", 0) if target.state else None
        context["state"] = target.state
    return context


def co_signers_csv(co_signers: list[CoSignature]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["organization", "website", "signatory", "signatory_title", "signed_at"])
    for s in co_signers:
        writer.writerow(
            [
                _cell(s.partner.name),
                _cell(s.partner.website),
                _cell(s.signatory_name),
                _cell(s.signatory_title),
                s.signed_at.strftime("%Y-%m-%d"),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def preview_outreach(letter: JointLetter) -> EmailMessage | None:
    """The email the first target would get, built but not sent."""
    if not letter.targets:
        return None
    by_state = counts.confirmed_by_state(letter.campaign_id) if letter.campaign_id else None
    target = letter.targets[0]
    return mailer.build_message(
        "letter_outreach",
        target.email,
        outreach_context(letter, target, current_co_signers(letter), by_state),
    )


def deliver_letter(actor: Actor, letter_id: int) -> int:
    """Send the letter: one email per target on the bulk mail path, then tell the co-signing
    partners. A letter is delivered once; a second click is refused and sends nothing."""
    letter = _letter(letter_id)
    if letter.status == LetterStatus.DELIVERED:
        raise LetterError(f"This letter was already delivered on {letter.delivered_at:%d %B %Y}.")
    if letter.status != LetterStatus.OPEN:
        raise LetterError("Open the letter for co-signing before delivering it.")
    co_signers = current_co_signers(letter)
    if not co_signers:
        raise LetterError("No organization has co-signed the current text yet.")
    if not letter.targets:
        raise LetterError("The letter has no targets.")
    by_state = counts.confirmed_by_state(letter.campaign_id) if letter.campaign_id else None
    emails = []
    for target in letter.targets:
        email = outbox.queue_email(
            "letter_outreach",
            target.email,
            outreach_context(letter, target, co_signers, by_state),
            stream=Stream.BULK,
        )
        db.session.add(LetterDelivery(letter_id=letter.id, target_id=target.id, email_id=email.id))
        emails.append(email)
    partner_ids = [s.partner_id for s in co_signers]
    url = external_url("public.letter_page", slug=letter.slug)
    emails += [
        outbox.queue_email(
            "letter_delivered",
            address,
            {"title": letter.title, "url": url, "targets": len(letter.targets)},
        )
        for address in accounts.admin_emails(partner_ids)
    ]
    letter.status = LetterStatus.DELIVERED
    letter.delivered_at = utcnow()
    audit.record(actor, "letter.deliver", "letter", letter.id, targets=len(letter.targets))
    db.session.commit()
    dispatcher.dispatch(emails)
    return len(letter.targets)


def deliveries(letter: JointLetter) -> list[LetterDelivery]:
    return list(
        db.session.scalars(
            select(LetterDelivery)
            .where(LetterDelivery.letter_id == letter.id)
            .options(selectinload(LetterDelivery.target), selectinload(LetterDelivery.email))
            .join(LetterDelivery.target)
            .order_by(Target.name)
        )
    )


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
    emails = []
    for letter in due:
        signed = {s.partner_id for s in current_co_signers(letter)}
        reminded = set(
            db.session.scalars(
                select(LetterReminder.partner_id).where(LetterReminder.letter_id == letter.id)
            )
        )
        partners = db.session.scalars(
            select(Partner.id).where(Partner.status == PartnerStatus.APPROVED)
        ).all()
        url = external_url("portal.letter", letter_id=letter.id)
        for partner_id in partners:
            if partner_id in signed or partner_id in reminded:
                continue
            claimed = db.session.execute(
                _insert_ignore(LetterReminder)
                .values(letter_id=letter.id, partner_id=partner_id, sent_at=now)
                .returning(LetterReminder.id)
            ).scalar()
            if claimed is None:
                continue
            emails += [
                outbox.queue_email(
                    "letter_reminder",
                    address,
                    {"title": letter.title, "url": url, "deadline": f"{letter.last_day:%d %B %Y}"},
                )
                for address in accounts.admin_emails([partner_id])
            ]
    db.session.commit()
    dispatcher.dispatch(emails)
    return len(emails)


def _insert_ignore(model):  # type: ignore[no-untyped-def]
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


@dataclass(frozen=True)
class ResponseRecord:
    target_id: int
    responded_on: date
    summary: str
    link: str | None


def record_response(
    actor: Actor, subject: JointLetter | Campaign, record: ResponseRecord
) -> TargetResponse:
    """A target's answer to a letter or a petition; shown on its public page."""
    if record.target_id not in {t.id for t in subject.targets}:
        raise LetterError("Choose one of its targets.")
    is_letter = isinstance(subject, JointLetter)
    response = TargetResponse(
        letter_id=subject.id if is_letter else None,
        campaign_id=None if is_letter else subject.id,
        target_id=record.target_id,
        responded_on=record.responded_on,
        summary=record.summary,
        link=record.link or None,
    )
    db.session.add(response)
    db.session.flush()
    kind = "letter" if is_letter else "campaign"
    audit.record(actor, f"{kind}.response", kind, subject.id, target_id=record.target_id)
    db.session.commit()
    return response


def responses_to(subject: JointLetter | Campaign) -> list[TargetResponse]:
    column = (
        TargetResponse.letter_id if isinstance(subject, JointLetter) else TargetResponse.campaign_id
    )
    return list(
        db.session.scalars(
            select(TargetResponse)
            .where(column == subject.id)
            .options(selectinload(TargetResponse.target))
            .order_by(TargetResponse.responded_on.desc(), TargetResponse.id.desc())
        )
    )
