"""The public partner directory."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import defer

from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.core.db import list_has
from campaign.extensions import db
from campaign.partners.models import Endorsement, Partner, PartnerStatus


def approved_partners(focus: str | None = None, state: str | None = None) -> Select:
    """Approved partners by name, optionally with a focus area or serving a state (partners
    that serve the whole nation serve every state)."""
    query = (
        select(Partner)
        .where(Partner.status == PartnerStatus.APPROVED)
        .options(defer(Partner.logo))
        .order_by(Partner.name)
    )
    if focus:
        query = query.where(list_has(Partner.focus_areas, focus))
    if state:
        query = query.where(
            or_(list_has(Partner.states_served, state), list_has(Partner.states_served, "US"))
        )
    return query


def public_partner(slug: str) -> Partner | None:
    return db.session.scalar(
        select(Partner)
        .where(Partner.slug == slug, Partner.status == PartnerStatus.APPROVED)
        .options(defer(Partner.logo))
    )


def partner_logo(slug: str) -> bytes | None:
    return db.session.scalar(
        select(Partner.logo).where(Partner.slug == slug, Partner.status == PartnerStatus.APPROVED)
    )


def endorsed_campaigns(partner: Partner) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Endorsement, Endorsement.campaign_id == Campaign.id)
            .where(Endorsement.partner_id == partner.id, Campaign.status != CampaignStatus.DRAFT)
            .order_by(Campaign.created_at.desc())
        )
    )
