"""Partners endorsing campaigns, and withdrawing their endorsement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Account
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.extensions import db
from campaign.partners.membership import PartnerRefused, approved_partner_of
from campaign.partners.models import (
    Endorsement,
)


def endorse(actor: Actor, account: Account, campaign_id: int, statement: str) -> Endorsement:
    """The account's own organization stands behind an open campaign, with an optional
    public statement. Endorsing again updates the statement."""
    partner = approved_partner_of(account)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.OPEN:
        raise PartnerRefused("Only open campaigns can be endorsed.")
    endorsement = db.session.scalar(
        select(Endorsement).where(
            Endorsement.partner_id == partner.id, Endorsement.campaign_id == campaign.id
        )
    )
    if endorsement is None:
        endorsement = Endorsement(partner_id=partner.id, campaign_id=campaign.id)
        db.session.add(endorsement)
    endorsement.statement = statement.strip()
    try:
        db.session.flush()
    except IntegrityError as exc:  # a double click: the other request endorsed first
        db.session.rollback()
        raise PartnerRefused("Your organization already endorses this campaign.") from exc
    audit.record(actor, "campaign.endorse", "campaign", campaign.id, partner_id=partner.id)
    db.session.commit()
    return endorsement


def withdraw(actor: Actor, account: Account, campaign_id: int) -> None:
    partner = approved_partner_of(account)
    endorsement = db.session.scalar(
        select(Endorsement).where(
            Endorsement.partner_id == partner.id, Endorsement.campaign_id == campaign_id
        )
    )
    if endorsement is None:
        raise PartnerRefused("Your organization does not endorse this campaign.")
    db.session.delete(endorsement)
    audit.record(actor, "campaign.withdraw", "campaign", campaign_id, partner_id=partner.id)
    db.session.commit()


def endorsed_campaign_ids(partner_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Endorsement.campaign_id).where(Endorsement.partner_id == partner_id)
        )
    )
