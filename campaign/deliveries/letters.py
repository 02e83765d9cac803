"""Delivering a joint letter to its targets, with its co-signers (and a petition's signers)."""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.campaigns import counts
from campaign.core.audit import Actor
from campaign.core.links import external_url
from campaign.core.markup import render_markdown
from campaign.deliveries import engine
from campaign.deliveries.engine import DeliveryRefused
from campaign.deliveries.models import LetterDelivery
from campaign.extensions import db
from campaign.letters.co_signing import current_co_signers
from campaign.letters.drafting import locked_letter
from campaign.letters.models import (
    CoSignature,
    JointLetter,
    LetterStatus,
)
from campaign.mail import rendering
from campaign.targets.models import Target


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
    return rendering.build_message(
        "letter_outreach",
        target.email,
        outreach_context(letter, target, current_co_signers(letter), by_state),
    )


def deliver_letter(actor: Actor, letter_id: int) -> int:
    """Send the letter: one email per target on the bulk mail path, then tell the co-signing
    partners. A letter is delivered once; a second click is refused and sends nothing."""
    letter = locked_letter(letter_id)
    engine.refuse_second(letter, "letter")  # before the other checks: a second click hears this
    if letter.status != LetterStatus.OPEN:
        raise DeliveryRefused("Open the letter for co-signing before delivering it.")
    co_signers = current_co_signers(letter)
    if not co_signers:
        raise DeliveryRefused("No organization has co-signed the current text yet.")
    by_state = counts.confirmed_by_state(letter.campaign_id) if letter.campaign_id else None
    sent = engine.deliver(
        actor,
        letter,
        engine.Delivery(
            noun="letter",
            object_type="letter",
            template="letter_outreach",
            context_for=lambda target: outreach_context(letter, target, co_signers, by_state),
            record_for=lambda target, email_id: LetterDelivery(
                letter_id=letter.id, target_id=target.id, email_id=email_id
            ),
            notice="letter_delivered",
            notice_context={
                "title": letter.title,
                "url": external_url("public.letter_page", slug=letter.slug),
                "targets": len(letter.targets),
            },
            partner_ids=[s.partner_id for s in co_signers],
        ),
    )
    letter.status = LetterStatus.DELIVERED
    db.session.commit()
    return sent


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
