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
        .returning(Campaign.id, Campaign.confirmed_count),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    counts = dict(rows)
    for campaign in stale:
        if campaign.id in counts:
            set_committed_value(campaign, "confirmed_count", counts[campaign.id])
            set_committed_value(campaign, "counted_at", now)


def next_milestone(count: int, goal: int) -> int | None:
    """The next quarter of the goal still to reach, then the goal itself; None once reached."""
    for step in (0.25, 0.5, 0.75, 1.0):
        mark = max(1, round(goal * step))
        if count < mark:
            return mark
    return None


def confirmed_by_state(campaign_id: int) -> dict[str, int]:
    """Confirmed signatures per state (\"\" for signers without one), counted now."""
    rows = db.session.execute(
        select(Signature.state, func.count())
        .where(Signature.campaign_id == campaign_id, Signature.confirmed_at.is_not(None))
        .group_by(Signature.state)
    )
    return {state or "": count for state, count in rows}
