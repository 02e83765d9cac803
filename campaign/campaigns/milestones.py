"""Milestones: 25, 50, 75 and 100 % of a campaign's goal, and the extra counts a
coordinator sets. When the recount first passes one, the coordinators and the endorsing
partners' administrators get one email; a recount that passes several at once names the
highest. The recount holds the campaign's row (see counts), so two processes never
announce the same milestone."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from campaign.accounts import services as accounts
from campaign.accounts.models import Account, Role
from campaign.campaigns.models import Campaign
from campaign.campaigns.services import public_endorsements
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.mail import outbox

QUARTERS = (0.25, 0.5, 0.75, 1.0)


def milestones(goal: int, extra: Iterable[int] = ()) -> list[int]:
    """Every milestone of a campaign, as signature counts, in order."""
    marks = {max(1, round(goal * q)) for q in QUARTERS} if goal > 0 else set()
    return sorted(marks | {m for m in extra if m > 0})


def next_milestone(count: int, goal: int, extra: Iterable[int] = ()) -> int | None:
    """The next milestone still to reach; None once every one is."""
    return next((m for m in milestones(goal, extra) if count < m), None)


def reached(campaign: Campaign) -> list[int]:
    """The milestones this campaign has announced (as the public page lists them)."""
    return [
        m
        for m in milestones(campaign.goal, campaign.extra_milestones)
        if m <= campaign.milestone_reached
    ]


def crossed(count: int, goal: int, extra: Iterable[int], announced: int) -> int | None:
    """The highest milestone passed since the last one announced, if any."""
    passed = [m for m in milestones(goal, extra) if announced < m <= count]
    return passed[-1] if passed else None


def announce(campaign_id: int, milestone: int) -> None:
    """Queue the one email about this milestone, in the recount's transaction."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    share = f"{round(milestone * 100 / campaign.goal)} % of its goal of {campaign.goal:,}"
    context = {
        "title": campaign.title,
        "milestone": milestone,
        "share": share,
        "goal": campaign.goal,
        "url": external_url("public.campaign_page", slug=campaign.slug),
    }
    coordinators = db.session.scalars(
        select(Account.email).where(Account.role == Role.COORDINATOR, Account.disabled_at.is_(None))
    ).all()
    partners = accounts.admin_emails([e.partner_id for e in public_endorsements(campaign)])
    for address in dict.fromkeys([*coordinators, *partners]):
        outbox.queue_email("milestone_reached", address, context)
