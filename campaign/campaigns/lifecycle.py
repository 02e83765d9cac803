"""A campaign's life: draft -> open -> closed, and closed -> open again. Each step is
audited; the partners that endorse the campaign hear when it opens again or closes; an open
campaign with a closing date closes by itself then (a beat job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from campaign.accounts import services as accounts
from campaign.campaigns.authoring import CampaignRefused, first_version
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.campaigns.services import public_endorsements
from campaign.core import audit
from campaign.core.audit import SYSTEM, Actor
from campaign.core.db import locked, utcnow
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.mail import outbox


def open_campaign(actor: Actor, campaign_id: int) -> Campaign:
    """Open a draft for signatures, or reopen a closed campaign."""
    campaign = _locked(campaign_id)
    if campaign.status == CampaignStatus.OPEN:
        raise CampaignRefused("This campaign is already open.")
    reopening = campaign.status == CampaignStatus.CLOSED
    past = campaign.closes_at is not None and campaign.closes_at <= utcnow()
    if past and not reopening:
        raise CampaignRefused(
            "Its closing date has passed. Edit the draft to change the closing date (or clear "
            "it) first.",
            field="closes_at",
        )
    if past:  # closed by its date: it reopens with none, and a coordinator may set another
        campaign.closes_at = None
    campaign.status = CampaignStatus.OPEN
    campaign.closed_at = None
    if reopening:
        _tell_endorsers(campaign, "campaign_reopened")
    else:
        campaign.opened_at = utcnow()
        if not campaign.versions:
            campaign.versions.append(first_version(campaign, actor))
    action = "campaign.reopen" if reopening else "campaign.open"
    audit.record(
        actor, action, "campaign", campaign.id, targets=len(campaign.targets), cleared_date=past
    )
    db.session.commit()
    return campaign


def close_campaign(actor: Actor, campaign_id: int) -> Campaign:
    """Stop taking signatures; the count and the page stay."""
    campaign = _locked(campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignRefused(
            f"Only an open campaign can be closed; this one is {campaign.status}."
        )
    _close(actor, campaign, "campaign.close")
    db.session.commit()
    return campaign


def close_due_campaigns(now: datetime | None = None) -> int:
    """Close every open campaign whose closing date has come; returns how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Campaign.id).where(
            Campaign.status == CampaignStatus.OPEN,
            Campaign.closes_at.is_not(None),
            Campaign.closes_at <= now,
        )
    ).all()
    closed = 0
    for campaign_id in due:
        campaign = locked(Campaign, campaign_id)  # a coordinator may have acted meanwhile
        if campaign is not None and campaign.status == CampaignStatus.OPEN:
            _close(SYSTEM, campaign, "campaign.close_by_date")
            closed += 1
        db.session.commit()
    return closed


def _close(actor: Actor, campaign: Campaign, action: str) -> None:
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = utcnow()
    _tell_endorsers(campaign, "campaign_closed")
    audit.record(actor, action, "campaign", campaign.id, confirmed=campaign.confirmed_count)


def _locked(campaign_id: int) -> Campaign:
    campaign = locked(Campaign, campaign_id)
    if campaign is None:
        raise CampaignRefused("There is no such campaign.")
    return campaign


def _tell_endorsers(campaign: Campaign, template: str) -> None:
    partner_ids = [e.partner_id for e in public_endorsements(campaign)]
    context = {
        "title": campaign.title,
        "url": external_url("public.campaign_page", slug=campaign.slug),
        "confirmed": campaign.confirmed_count,
    }
    for address in accounts.admin_emails(partner_ids):
        outbox.queue_email(template, address, context)
