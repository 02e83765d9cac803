"""Joint letter tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.services import letters


@shared_task
def send_reminders() -> int:
    return letters.send_reminders()
