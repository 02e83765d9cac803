"""Reading campaigns for the public pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from campaign.extensions import db
from campaign.models import (
    Campaign,
    CampaignStatus,
    Endorsement,
    Partner,
    PartnerStatus,
    Signature,
)


def open_campaigns() -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.OPEN)
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        )
    )


def public_campaign(slug: str) -> Campaign | None:
    """An open or closed campaign by its slug; drafts are not public."""
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.slug == slug, Campaign.status != CampaignStatus.DRAFT)
        .options(selectinload(Campaign.targets))
    )


def public_endorsements(campaign: Campaign) -> list[Endorsement]:
    """Endorsements by approved partners; a suspended partner's vanish from public pages."""
    return list(
        db.session.scalars(
            select(Endorsement)
            .join(Endorsement.partner)
            .where(Endorsement.campaign_id == campaign.id, Partner.status == PartnerStatus.APPROVED)
            .options(contains_eager(Endorsement.partner))
            .order_by(Partner.name)
        )
    )


def campaign_of(signature: Signature | None) -> Campaign | None:
    return db.session.get(Campaign, signature.campaign_id) if signature is not None else None
