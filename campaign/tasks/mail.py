"""Sending the outbox. Transactional and bulk mail run on separate queues so a signer's
confirmation never waits behind a bulk send."""

from __future__ import annotations

from celery import Task, shared_task

from campaign.services import outbox
from campaign.services.mailer import TemporaryFailure

MAX_RETRIES = 10


def _send(task: Task, email_id: int) -> str | None:
    try:
        status = outbox.deliver(email_id)
    except TemporaryFailure as exc:
        if task.request.is_eager:
            # In-process (no broker): leave the row queued for `flask relay-outbox`.
            return "queued"
        if task.request.retries >= MAX_RETRIES:
            outbox.give_up(email_id, f"gave up after {MAX_RETRIES + 1} tries: {exc}")
            return "failed"
        # Exponential backoff: 2 s, 4 s, 8 s, ... capped at an hour.
        raise task.retry(exc=exc, countdown=min(2 ** (task.request.retries + 1), 3600)) from exc
    return status.value if status else None


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_transactional(self: Task, email_id: int) -> str | None:
    return _send(self, email_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_bulk(self: Task, email_id: int) -> str | None:
    return _send(self, email_id)


@shared_task
def relay_outbox() -> int:
    return outbox.relay()
