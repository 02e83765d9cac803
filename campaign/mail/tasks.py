"""Sending the outbox. Transactional and bulk mail run on separate queues so a signer's
confirmation never waits behind a bulk send."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from campaign.mail import dispatcher, outbox
from campaign.mail.models import Stream

log = logging.getLogger(__name__)

RETRY_IN_BROKER_SECONDS = dispatcher.RETRY_IN_BROKER_SECONDS


def _send(task: Task, email_id: int, drain: Stream | None = None) -> str | None:
    try:
        status = outbox.deliver(email_id)
    except outbox.RetryLater as later:
        if task.request.is_eager or later.seconds > RETRY_IN_BROKER_SECONDS:
            return "queued"  # the relay (beat, or `flask relay-outbox`) hands it over when due
        raise task.retry(countdown=later.seconds) from later
    if drain is not None and not task.request.is_eager:
        try:
            outbox.drain(drain)  # what else is due: sent now, its own tasks find it sent
        except Exception:  # this task's own email is settled; what the drain left, the relay has
            log.exception("draining the %s queue failed", drain)
    return status.value if status else None


# The retry budget is the row's attempt count (outbox.MAX_ATTEMPTS), not Celery's.
_MAIL_TASK = {"bind": True, "acks_late": True, "reject_on_worker_lost": True, "max_retries": None}


@shared_task(**_MAIL_TASK, queue="mail.transactional")
def send_transactional(self: Task, email_id: int) -> str | None:
    return _send(self, email_id, drain=Stream.TRANSACTIONAL)


@shared_task(**_MAIL_TASK, queue="mail.bulk")
def send_bulk(self: Task, email_id: int) -> str | None:
    return _send(self, email_id)


@shared_task
def relay_outbox() -> int:
    return outbox.relay()
