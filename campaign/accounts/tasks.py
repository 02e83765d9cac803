"""Account tasks."""

from __future__ import annotations

from celery import shared_task

from campaign.accounts import services as accounts


@shared_task(queue="mail.transactional")  # a reset link is awaited like a confirmation
def send_password_reset(email: str) -> None:
    accounts.request_password_reset(email)
