"""Writing an appeal: its words, the campaign it asks people to sign, and its audience. Each
bad value is refused with a message beside its field, and nothing is saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import locked
from campaign.core.errors import NotFound, Refused
from campaign.core.places import state_name
from campaign.extensions import db

from .audiences import AudienceFilter
from .models import Appeal, AppealStatus, Audience

MAX_RATE_PER_MINUTE = 100_000


class AppealRefused(Refused):
    """An appeal that cannot be saved, sent or changed as asked; the text says why."""


@dataclass(frozen=True)
class AppealDraft:
    audience: Audience
    subject: str
    body: str
    campaign_id: int | None
    states: list[str] = field(default_factory=list)
    signed: list[int] = field(default_factory=list)
    not_signed: list[int] = field(default_factory=list)
    rate_per_minute: int = 0


def audience_of(appeal: Appeal) -> AudienceFilter:
    return AudienceFilter(
        audience=appeal.audience,
        campaign_id=appeal.campaign_id,
        states=tuple(appeal.states or ()),
        signed=tuple(appeal.signed_campaign_ids or ()),
        not_signed=tuple(appeal.not_signed_campaign_ids or ()),
    )


def check(draft: AppealDraft) -> None:
    """Refuse the first bad value, naming its field."""
    if not draft.subject.strip():
        raise AppealRefused("Write a subject line.", field="subject")
    if len(draft.subject) > 200:
        raise AppealRefused("Keep the subject under 200 characters.", field="subject")
    if not draft.body.strip():
        raise AppealRefused("Write the message: the body is empty.", field="body")
    if draft.audience == Audience.SUPPORTERS and draft.campaign_id is None:
        raise AppealRefused("Choose the campaign the appeal asks people to sign.", field="campaign")
    if draft.campaign_id is not None:
        campaign = db.session.get(Campaign, draft.campaign_id)
        if campaign is None:
            raise AppealRefused("There is no such campaign.", field="campaign")
        if campaign.status != CampaignStatus.OPEN:
            raise AppealRefused(
                f"“{campaign.title}” is not open for signatures; choose an open campaign.",
                field="campaign",
            )
    for code in draft.states:
        if len(code) != 2 or state_name(code) == code:
            raise AppealRefused(f"“{code}” is not a state.", field="states")
    chosen = {*draft.signed, *draft.not_signed}
    if chosen:
        found = db.session.scalar(
            select(func.count()).select_from(Campaign).where(Campaign.id.in_(chosen))
        )
        if found != len(chosen):
            raise AppealRefused("One of the chosen campaigns does not exist.", field="signed")
    if set(draft.signed) & set(draft.not_signed):
        raise AppealRefused(
            "A campaign cannot be both signed and not signed; choose it in one list.",
            field="not_signed",
        )
    if not 0 <= draft.rate_per_minute <= MAX_RATE_PER_MINUTE:
        raise AppealRefused(
            f"The rate is messages per minute, from 0 (no limit) to {MAX_RATE_PER_MINUTE:,}.",
            field="rate_per_minute",
        )


def _apply(appeal: Appeal, draft: AppealDraft) -> None:
    appeal.audience = draft.audience
    appeal.subject = draft.subject.strip()
    appeal.body = draft.body.replace("\r\n", "\n").replace("\r", "\n")
    appeal.campaign_id = draft.campaign_id
    appeal.states = sorted(set(draft.states))
    appeal.signed_campaign_ids = sorted(set(draft.signed))
    appeal.not_signed_campaign_ids = sorted(set(draft.not_signed))
    appeal.rate_per_minute = draft.rate_per_minute


def create_appeal(actor: Actor, draft: AppealDraft) -> Appeal:
    check(draft)
    appeal = Appeal(status=AppealStatus.DRAFT, created_by_id=actor.account_id)
    _apply(appeal, draft)
    db.session.add(appeal)
    db.session.flush()
    audit.record(actor, "appeal.create", "appeal", appeal.id, subject=appeal.subject)
    db.session.commit()
    return appeal


def edit_appeal(actor: Actor, appeal_id: int, draft: AppealDraft) -> Appeal:
    """Change a draft (take a scheduled appeal back to a draft first)."""
    appeal = locked_appeal(appeal_id)
    if appeal.status != AppealStatus.DRAFT:
        raise AppealRefused(f"This appeal is {appeal.status.value}; only a draft can be changed.")
    check(draft)
    _apply(appeal, draft)
    audit.record(actor, "appeal.edit", "appeal", appeal.id)
    db.session.commit()
    return appeal


def locked_appeal(appeal_id: int) -> Appeal:
    appeal = locked(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("There is no such appeal.")
    return appeal
