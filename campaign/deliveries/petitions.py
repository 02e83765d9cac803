"""Delivering a campaign's petition to its targets, with its signers counted by state."""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.campaigns import counts
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.campaigns.services import public_endorsements
from campaign.core.audit import Actor
from campaign.core.db import locked
from campaign.core.links import external_url
from campaign.deliveries import engine
from campaign.deliveries.engine import DeliveryRefused
from campaign.deliveries.models import PetitionDelivery
from campaign.extensions import db
from campaign.mail import rendering
from campaign.targets.models import Target


def petition_context(
    campaign: Campaign, target: Target, by_state: dict[str, int], partners: list[str]
) -> dict[str, Any]:
    """What the email to one target says: the ask, the signers (in the target's state and in
    all) and the endorsing partners' names."""
    return {
        "title": campaign.title,
        "ask": campaign.ask,
        "target_name": target.name,
        "target_title": target.title,
        "signers_total": sum(by_state.values()),
        "signers_in_state": by_state.get(target.state, 0) if target.state else None,
        "state": target.state,
        "partners": partners,
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


def _endorser_names(campaign: Campaign) -> list[str]:
    return [e.partner.name for e in public_endorsements(campaign)]


def preview_petition(campaign: Campaign) -> EmailMessage | None:
    if not campaign.targets:
        return None
    target = campaign.targets[0]
    return rendering.build_message(
        "petition_outreach",
        target.email,
        petition_context(
            campaign, target, counts.confirmed_by_state(campaign.id), _endorser_names(campaign)
        ),
    )


def deliver_petition(actor: Actor, campaign_id: int) -> int:
    """Send the petition: one email per target, with the confirmed signers counted by state,
    then tell the endorsing partners. Delivered once; a second click sends nothing."""
    campaign = locked(Campaign, campaign_id)
    if campaign is None:
        raise DeliveryRefused("There is no such campaign.")
    engine.refuse_second(campaign, "petition")  # before the other checks, as for letters
    if campaign.status == CampaignStatus.DRAFT:
        raise DeliveryRefused("A draft campaign's petition cannot be delivered.")
    by_state = counts.confirmed_by_state(campaign.id)
    signers = sum(by_state.values())
    endorsements = public_endorsements(campaign)
    partners = [e.partner.name for e in endorsements]
    sent = engine.deliver(
        actor,
        campaign,
        engine.Delivery(
            noun="petition",
            object_type="campaign",
            template="petition_outreach",
            context_for=lambda target: petition_context(campaign, target, by_state, partners),
            record_for=lambda target, email_id: PetitionDelivery(
                campaign_id=campaign.id, target_id=target.id, email_id=email_id
            ),
            notice="petition_delivered",
            notice_context={
                "title": campaign.title,
                "url": external_url("public.campaign_page", slug=campaign.slug),
                "targets": len(campaign.targets),
                "signers": signers,
            },
            partner_ids=[e.partner_id for e in endorsements],
            detail={"signers": signers},
        ),
    )
    db.session.commit()
    return sent


def petition_deliveries(campaign: Campaign) -> list[PetitionDelivery]:
    return list(
        db.session.scalars(
            select(PetitionDelivery)
            .where(PetitionDelivery.campaign_id == campaign.id)
            .options(selectinload(PetitionDelivery.target), selectinload(PetitionDelivery.email))
        )
    )
