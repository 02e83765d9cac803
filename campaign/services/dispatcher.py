"""Handing committed outbox rows to the broker.

Nothing here is the source of truth: a row the broker never got (Redis down, process
killed) is still queued in the database, and the relay hands it over later. (Handing rows
over from a background thread was measured: under load it cost more CPU than it saved.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app

from campaign.models import Stream

log = logging.getLogger(__name__)

TASK_FOR_STREAM = {
    Stream.TRANSACTIONAL: "campaign.tasks.mail.send_transactional",
    Stream.BULK: "campaign.tasks.mail.send_bulk",
}
# After the broker refuses a message, stop trying for this long: the relay hands the rows
# over once it is back.
BROKER_PAUSE_SECONDS = 5.0
_broker_down_until = 0.0


@dataclass(frozen=True)
class QueuedEmail:
    """What the broker needs of an outbox row."""

    id: int
    stream: Stream


def dispatch(emails: Sequence[QueuedEmail]) -> int:
    """Hand committed rows to the workers, one message each; never raises. Returns how many
    were handed over. Without a broker (tasks in-process) they are sent here and now."""
    global _broker_down_until
    celery = current_app.extensions["celery"]
    eager = celery.conf.task_always_eager
    if not eager and time.monotonic() < _broker_down_until:
        return 0
    handed = 0
    for email in emails:
        task = celery.tasks[TASK_FOR_STREAM[email.stream]]
        try:
            task.apply_async(args=[email.id], retry=False, argsrepr=str(email.id), kwargsrepr="{}")
        except Exception as exc:  # kombu raises several kinds when Redis is unreachable
            if eager:
                log.exception("sending email %s failed", email.id)
                continue
            _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
            log.warning("broker unreachable, email %s left for the relay: %s", email.id, exc)
            return handed
        handed += 1
    return handed


def reset_broker_pause() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def publish(emails: Sequence[QueuedEmail]) -> int:
    """Put task messages for many rows on the broker in one round trip (for the relay).
    Returns how many were handed over: all, or none when the broker is unreachable."""
    global _broker_down_until
    if not emails or time.monotonic() < _broker_down_until:
        return 0
    celery = current_app.extensions["celery"]
    try:
        with celery.producer_or_acquire() as producer, producer.batch():
            for email in emails:
                celery.tasks[TASK_FOR_STREAM[email.stream]].apply_async(
                    args=[email.id],
                    producer=producer,
                    retry=False,
                    argsrepr=str(email.id),
                    kwargsrepr="{}",
                )
    except Exception as exc:  # kombu raises several kinds when Redis is unreachable
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        log.warning("broker unreachable, %d email(s) left for the relay: %s", len(emails), exc)
        return 0
    return len(emails)
