"""Account tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.services import accounts


@shared_task
def send_password_reset(email: str) -> None:
    accounts.request_password_reset(email)
