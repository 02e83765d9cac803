"""The public partner directory."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import defer

from campaign.extensions import db
from campaign.models import Campaign, CampaignStatus, Endorsement, Partner, PartnerStatus


def approved_partners(focus: str | None = None, state: str | None = None) -> Select:
    """Approved partners by name, optionally with a focus area or serving a state (partners
    that serve the whole nation serve every state)."""
    query = (
        select(Partner)
        .where(Partner.status == PartnerStatus.APPROVED)
        .options(defer(Partner.logo))
        .order_by(Partner.name)
    )
    if focus or state:
        # JSON lists are filtered here rather than in SQL, to work the same on every database.
        ids = [
            p.id
            for p in db.session.execute(
                select(Partner.id, Partner.focus_areas, Partner.states_served).where(
                    Partner.status == PartnerStatus.APPROVED
                )
            )
            if (not focus or focus in (p.focus_areas or []))
            and (not state or state in (p.states_served or []) or "US" in (p.states_served or []))
        ]
        query = query.where(Partner.id.in_(ids))
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
