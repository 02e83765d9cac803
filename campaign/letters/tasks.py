"""Joint letter tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.letters import reminders


@shared_task
def send_reminders() -> int:
    return reminders.send_reminders()
