"""Reading campaigns for the public pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from campaign.campaigns.models import Campaign, CampaignStatus, Signature
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.partners.models import Endorsement, Partner, PartnerStatus
from campaign.targets.models import Target


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


def campaign_share_image(slug: str) -> bytes | None:
    """The share image of a public campaign."""
    return db.session.scalar(
        select(Campaign.share_image).where(
            Campaign.slug == slug, Campaign.status != CampaignStatus.DRAFT
        )
    )


@dataclass(frozen=True)
class CampaignRef:
    """What signing needs to know of a campaign."""

    id: int
    slug: str
    title: str
    status: CampaignStatus
    version: int
    closes_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN and (
            self.closes_at is None or self.closes_at > utcnow()
        )


_refs: dict[str, tuple[float, CampaignRef]] = {}


def signable_campaign(slug: str) -> CampaignRef | None:
    """A public campaign's reference, kept per process for PAGE_CACHE_SECONDS: during a surge
    every signature needs it, and a campaign that closes is refused within that time."""
    now = time.monotonic()
    hit = _refs.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    row = db.session.execute(
        select(
            Campaign.id,
            Campaign.slug,
            Campaign.title,
            Campaign.status,
            Campaign.version,
            Campaign.closes_at,
        ).where(Campaign.slug == slug, Campaign.status != CampaignStatus.DRAFT)
    ).first()
    if row is None:
        return None
    ref = CampaignRef(*row)
    if len(_refs) > 1000:
        _refs.clear()
    _refs[slug] = (now + current_app.config["PAGE_CACHE_SECONDS"], ref)
    return ref


def public_endorsements(campaign: Campaign) -> list[Endorsement]:
    """Endorsements by approved partners; a suspended partner's vanish from public pages."""
    return list(
        db.session.scalars(
            select(Endorsement)
            .join(Endorsement.partner)
            .where(Endorsement.campaign_id == campaign.id, Partner.status == PartnerStatus.APPROVED)
            .options(contains_eager(Endorsement.partner).defer(Partner.logo))
            .order_by(Partner.name)
        )
    )


def campaign_of(signature: Signature | None) -> Campaign | None:
    return db.session.get(Campaign, signature.campaign_id) if signature is not None else None


@dataclass(frozen=True)
class Supporter:
    """A confirmed signer who chose to be shown: first name, initial and state only."""

    name: str
    state: str | None


def public_supporters(campaign: Campaign, limit: int = 6) -> list[Supporter]:
    rows = db.session.execute(
        select(Signature.full_name, Signature.state)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.confirmed_at.is_not(None),
            Signature.show_publicly.is_(True),
        )
        .order_by(Signature.confirmed_at.desc())
        .limit(limit)
    )
    return [Supporter(short_name(name), state) for name, state in rows]


@dataclass(frozen=True)
class SupporterComment:
    """A comment coordinators chose to show; the name only if the signer chose to show it."""

    name: str | None
    state: str | None
    comment: str


def public_comments(campaign: Campaign, limit: int = 10) -> list[SupporterComment]:
    rows = db.session.execute(
        select(Signature.full_name, Signature.show_publicly, Signature.state, Signature.comment)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.confirmed_at.is_not(None),
            Signature.comment_shown.is_(True),
            Signature.comment != "",
        )
        .order_by(Signature.confirmed_at.desc())
        .limit(limit)
    )
    return [
        SupporterComment(short_name(name) if shown else None, state, comment)
        for name, shown, state, comment in rows
    ]


def short_name(full_name: str) -> str:
    """'Ann Marie Lee' -> 'Ann L.': enough to be recognised, not enough to be found."""
    parts = full_name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0]}."


def set_targets(actor: Actor, campaign_id: int, target_ids: list[int]) -> Campaign:
    """Choose who the campaign's petition is addressed to, from the targets on file."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise ValueError("There is no such campaign.")
    campaign.targets = list(db.session.scalars(select(Target).where(Target.id.in_(target_ids))))
    audit.record(actor, "campaign.targets", "campaign", campaign.id, targets=len(target_ids))
    db.session.commit()
    return campaign
