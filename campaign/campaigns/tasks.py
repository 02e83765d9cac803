"""Campaign tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.campaigns import lifecycle


@shared_task
def close_due_campaigns() -> int:
    return lifecycle.close_due_campaigns()
