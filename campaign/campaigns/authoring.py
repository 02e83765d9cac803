"""Coordinators writing campaigns: a draft and its edits. The address (slug) is free to change
while a draft and permanent once open; edits to an open campaign's text are kept as versions;
its goal can be raised, never lowered below the signatures already confirmed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from campaign.campaigns.models import Campaign, CampaignStatus, CampaignVersion, Signature
from campaign.core import audit, images
from campaign.core.audit import SYSTEM, Actor
from campaign.core.db import locked, unique_slug, utcnow
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.targets.models import Target

MAX_GOAL = 100_000_000
SHARE_IMAGE_BYTES = 2 * 1024 * 1024
SHARE_IMAGE_SIDE = 1200
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The parts of the text a signer reads; an edit of any of them makes a new version.
TEXT_FIELDS = ("title", "summary", "ask", "rationale")


class CampaignRefused(Refused):
    """A refused change to a campaign; the text says why, field which value it was."""


@dataclass(frozen=True)
class CampaignDraft:
    """What a coordinator writes: every field of the campaign form."""

    title: str
    summary: str
    ask: str
    goal: int
    rationale: str = ""
    slug: str = ""  # empty: made from the title
    extra_milestones: list[int] = field(default_factory=list)
    closes_at: datetime | None = None
    target_ids: list[int] = field(default_factory=list)
    share_image: bytes | None = None  # a new upload; None keeps the current one


def create_campaign(actor: Actor, draft: CampaignDraft) -> Campaign:
    """A new campaign, as a draft nobody but coordinators sees."""
    _check(draft)
    slug = draft.slug.strip()
    if slug:
        _check_slug_free(slug)
    campaign = Campaign(
        slug=slug or unique_slug(Campaign, draft.title, "campaign"),
        status=CampaignStatus.DRAFT,
        created_by_id=actor.account_id,
        confirmed_count=0,
    )
    _apply(campaign, draft)
    db.session.add(campaign)
    _flush_or_slug_taken()
    audit.record(actor, "campaign.create", "campaign", campaign.id, title=campaign.title)
    db.session.commit()
    return campaign


def edit_campaign(actor: Actor, campaign_id: int, draft: CampaignDraft) -> Campaign:
    """Save an edit. Of an open campaign, a changed text becomes its next version."""
    campaign = _campaign(campaign_id)
    if campaign.status == CampaignStatus.CLOSED:
        raise CampaignRefused("A closed campaign cannot be edited. Reopen it first.")
    _check(draft)
    slug = draft.slug.strip() or campaign.slug
    if slug != campaign.slug:
        if campaign.status != CampaignStatus.DRAFT:
            raise CampaignRefused(
                "The address of a campaign that has been open cannot change: links to it "
                "are out in the world.",
                field="slug",
            )
        _check_slug_free(slug)
        campaign.slug = slug
        _flush_or_slug_taken()
    if campaign.status == CampaignStatus.OPEN:
        confirmed = _confirmed(campaign.id)
        if draft.goal < confirmed:
            raise CampaignRefused(
                f"The goal cannot be lower than the {confirmed:,} signatures already confirmed.",
                field="goal",
            )
    changed = [name for name in TEXT_FIELDS if getattr(draft, name) != getattr(campaign, name)]
    if changed and campaign.status == CampaignStatus.OPEN and not campaign.versions:
        # opened before versions were kept: what it said until now is its first version
        campaign.versions.append(_version(campaign, SYSTEM, []))
    _apply(campaign, draft)
    if changed and campaign.status == CampaignStatus.OPEN:
        campaign.version += 1
        campaign.versions.append(_version(campaign, actor, changed))
    audit.record(
        actor, "campaign.edit", "campaign", campaign.id, changed=changed, version=campaign.version
    )
    db.session.commit()
    return campaign


def first_version(campaign: Campaign, actor: Actor) -> CampaignVersion:
    """The text as it stood when the campaign opened."""
    return _version(campaign, actor, [])


def _version(campaign: Campaign, actor: Actor, changed: list[str]) -> CampaignVersion:
    return CampaignVersion(
        number=campaign.version or 1,
        title=campaign.title,
        summary=campaign.summary,
        ask=campaign.ask,
        rationale=campaign.rationale,
        changed=changed,
        edited_by_id=actor.account_id,
        created_at=utcnow(),
    )


def _campaign(campaign_id: int) -> Campaign:
    campaign = locked(Campaign, campaign_id)
    if campaign is None:
        raise CampaignRefused("There is no such campaign.")
    return campaign


def _apply(campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.title = draft.title.strip()
    campaign.summary = draft.summary.strip()
    campaign.ask = draft.ask.strip()
    campaign.rationale = draft.rationale.strip()
    campaign.goal = draft.goal
    campaign.extra_milestones = sorted(set(draft.extra_milestones))
    campaign.closes_at = draft.closes_at
    campaign.targets = (
        list(db.session.scalars(select(Target).where(Target.id.in_(draft.target_ids))))
        if draft.target_ids
        else []
    )
    if draft.share_image is not None:
        campaign.share_image = images.reencode(
            draft.share_image,
            noun="the share image",
            max_bytes=SHARE_IMAGE_BYTES,
            max_side=SHARE_IMAGE_SIDE,
            to="JPEG",
            refusal=_ShareImageRefused,
        )
        campaign.share_image_version = (campaign.share_image_version or 0) + 1


class _ShareImageRefused(CampaignRefused):
    status = 400

    def __init__(self, message: str, field: str | None = "share_image") -> None:
        super().__init__(message, field)


def _check(draft: CampaignDraft) -> None:
    """The rules every saved campaign keeps, whatever form sent it."""
    if not draft.title.strip():
        raise CampaignRefused("Give the campaign a title.", field="title")
    if not draft.summary.strip():
        raise CampaignRefused("Write a one-line summary.", field="summary")
    if not draft.ask.strip():
        raise CampaignRefused("Write the ask: what the petition asks for.", field="ask")
    if not 1 <= draft.goal <= MAX_GOAL:
        raise CampaignRefused(
            f"The goal must be between 1 and {MAX_GOAL:,} signatures.", field="goal"
        )
    if any(not 1 <= m <= MAX_GOAL for m in draft.extra_milestones):
        raise CampaignRefused(
            f"Each milestone must be between 1 and {MAX_GOAL:,} signatures.",
            field="extra_milestones",
        )
    if draft.closes_at is not None and draft.closes_at <= utcnow():
        raise CampaignRefused("The closing date must be in the future.", field="closes_at")
    slug = draft.slug.strip()
    if slug and (len(slug) > 120 or not SLUG.fullmatch(slug)):
        raise CampaignRefused(
            "Use lowercase letters, digits and single hyphens for the address.", field="slug"
        )


def _check_slug_free(slug: str) -> None:
    if db.session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise CampaignRefused(
            "That address is taken by another campaign. Choose another.", field="slug"
        )


def _flush_or_slug_taken() -> None:
    """Flush; a slug taken meanwhile by another coordinator is refused like any other."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise CampaignRefused(
            "That address is taken by another campaign. Choose another.", field="slug"
        ) from exc


def _confirmed(campaign_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.campaign_id == campaign_id, Signature.confirmed_at.is_not(None))
        )
        or 0
    )
