"""Delivering a campaign's petition to its targets, with its signers counted by state."""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.models import (
    Campaign,
    CampaignStatus,
    PetitionDelivery,
    Stream,
    Target,
)
from campaign.models._types import utcnow
from campaign.services import accounts, audit, counts, dispatcher, mailer, outbox
from campaign.services.audit import Actor
from campaign.services.campaigns import public_endorsements
from campaign.services.links import external_url
from campaign.services.rows import locked


class PetitionError(ValueError):
    """A refused delivery; the text says why."""


def petition_context(campaign: Campaign, target: Target, by_state: dict[str, int]) -> dict:
    return {
        "title": campaign.title,
        "ask": campaign.ask,
        "target_name": target.name,
        "target_title": target.title,
        "signers_total": sum(by_state.values()),
        "signers_in_state": by_state.get(target.state, 0) if target.state else None,
        "state": target.state,
        "partners": [e.partner.name for e in public_endorsements(campaign)],
        "campaign_url": external_url("public.campaign_page", slug=campaign.slug),
        "attachments": [
            {
                "filename": f"{campaign.slug}-signers-by-state.csv",
                "mimetype": "text/csv",
                "content": _by_state_csv(by_state),
            }
        ],
    }


def _by_state_csv(by_state: dict[str, int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["state", "confirmed_signers"])
    for state, count in sorted(by_state.items()):
        writer.writerow([state or "unknown", count])
    return out.getvalue()


def preview_petition(campaign: Campaign) -> EmailMessage | None:
    if not campaign.targets:
        return None
    target = campaign.targets[0]
    return mailer.build_message(
        "petition_outreach",
        target.email,
        petition_context(campaign, target, counts.confirmed_by_state(campaign.id)),
    )


def deliver_petition(actor: Actor, campaign_id: int) -> int:
    """One email per target on the bulk mail path; a petition is delivered once, so a second
    click is refused and sends nothing."""
    campaign = locked(Campaign, campaign_id)
    if campaign is None:
        raise PetitionError("There is no such campaign.")
    if campaign.delivered_at is not None:
        raise PetitionError(
            f"This petition was already delivered on {campaign.delivered_at:%d %B %Y}."
        )
    if campaign.status == CampaignStatus.DRAFT:
        raise PetitionError("A draft campaign's petition cannot be delivered.")
    if not campaign.targets:
        raise PetitionError("The campaign has no targets.")
    by_state = counts.confirmed_by_state(campaign.id)
    emails = []
    for target in campaign.targets:
        email = outbox.queue_email(
            "petition_outreach",
            target.email,
            petition_context(campaign, target, by_state),
            stream=Stream.BULK,
        )
        db.session.add(
            PetitionDelivery(campaign_id=campaign.id, target_id=target.id, email_id=email.id)
        )
        emails.append(email)
    endorsers = [e.partner_id for e in public_endorsements(campaign)]
    url = external_url("public.campaign_page", slug=campaign.slug)
    emails += [
        outbox.queue_email(
            "petition_delivered",
            address,
            {
                "title": campaign.title,
                "url": url,
                "targets": len(campaign.targets),
                "signers": sum(by_state.values()),
            },
        )
        for address in accounts.admin_emails(endorsers)
    ]
    campaign.delivered_at = utcnow()
    audit.record(
        actor,
        "petition.deliver",
        "campaign",
        campaign.id,
        targets=len(campaign.targets),
        signers=sum(by_state.values()),
    )
    db.session.commit()
    dispatcher.dispatch(emails)
    return len(campaign.targets)


def petition_deliveries(campaign: Campaign) -> list[PetitionDelivery]:
    return list(
        db.session.scalars(
            select(PetitionDelivery)
            .where(PetitionDelivery.campaign_id == campaign.id)
            .options(selectinload(PetitionDelivery.target), selectinload(PetitionDelivery.email))
        )
    )
