"""Campaign tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.campaigns import counts, lifecycle, services


@shared_task
def close_due_campaigns() -> int:
    return lifecycle.close_due_campaigns()


@shared_task
def recount_open_campaigns() -> None:
    """Recount every open campaign's confirmed signatures, so that milestones are told even
    while nobody is looking at its page."""
    counts.refresh_stale_counts(services.open_campaigns())
