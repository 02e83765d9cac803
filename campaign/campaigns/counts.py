"""The public count of confirmed signatures.

Never a +1 UPDATE of the campaign row per signature (that row lock is what stopped the UK
Parliament petitions site in 2019) and never a COUNT per page view: a page view that finds
the stored count older than COUNT_REFRESH_SECONDS recounts it in one statement, and only one
process wins that chance per interval (the others skip the locked row).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from campaign.campaigns import milestones
from campaign.campaigns.models import Campaign, Signature
from campaign.core.db import utcnow
from campaign.extensions import db


def refresh_stale_counts(campaigns: Iterable[Campaign]) -> None:
    """Recount the campaigns whose count is stale, then update the given objects."""
    now = utcnow()
    threshold = now - timedelta(seconds=current_app.config["COUNT_REFRESH_SECONDS"])
    stale = [c for c in campaigns if c.counted_at is None or c.counted_at < threshold]
    if not stale:
        return
    claim = (
        select(Campaign.id)
        .where(
            Campaign.id.in_([c.id for c in stale]),
            or_(Campaign.counted_at.is_(None), Campaign.counted_at < threshold),
        )
        .with_for_update(skip_locked=True)
    )
    confirmed = (
        select(func.count())
        .select_from(Signature)
        .where(Signature.campaign_id == Campaign.id, Signature.confirmed_at.is_not(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        update(Campaign)
        .where(Campaign.id.in_(claim.scalar_subquery()))
        .values(confirmed_count=confirmed, counted_at=now)
        .returning(
            Campaign.id,
            Campaign.confirmed_count,
            Campaign.goal,
            Campaign.extra_milestones,
            Campaign.milestone_reached,
        ),
        execution_options={"synchronize_session": False},
    ).all()
    # The rows stay locked until the commit: only this recount can announce their milestones.
    reached: dict[int, int] = {}
    for campaign_id, count, goal, extra, announced in rows:
        milestone = milestones.crossed(count, goal, extra or [], announced or 0)
        reached[campaign_id] = milestone or announced or 0
        if milestone is not None:
            db.session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(milestone_reached=milestone),
                execution_options={"synchronize_session": False},
            )
            milestones.announce(campaign_id, milestone)
    db.session.commit()
    counts = {row.id: row.confirmed_count for row in rows}
    for campaign in stale:
        if campaign.id in counts:
            set_committed_value(campaign, "confirmed_count", counts[campaign.id])
            set_committed_value(campaign, "counted_at", now)
            set_committed_value(campaign, "milestone_reached", reached[campaign.id])


def confirmed_by_state(campaign_id: int) -> dict[str, int]:
    """Confirmed signatures per state (\"\" for signers without one), counted now."""
    rows = db.session.execute(
        select(Signature.state, func.count())
        .where(Signature.campaign_id == campaign_id, Signature.confirmed_at.is_not(None))
        .group_by(Signature.state)
    )
    return {state or "": count for state, count in rows}
