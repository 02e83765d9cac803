"""Handing committed outbox rows to the broker.

Each web process hands rows over from a background thread, so a signer never waits on
Redis, and whatever has piled up goes in one round trip. Nothing here is the source of
truth: a row the broker never got (Redis down, process killed) is still queued in the
database, and the relay hands it over later.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app

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
    """Hand committed rows to the workers; never raises. Returns how many were taken on.
    Without a broker (tasks in-process) they are sent here and now."""
    celery = current_app.extensions["celery"]
    if not celery.conf.task_always_eager:
        dispatcher_for(current_app._get_current_object()).submit(emails)  # type: ignore[attr-defined]
        return len(emails)
    for email in emails:
        try:
            celery.tasks[TASK_FOR_STREAM[email.stream]].apply_async(args=[email.id])
        except Exception:
            log.exception("sending email %s failed", email.id)
    return len(emails)


def reset_broker_pause() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def publish(emails: Sequence[QueuedEmail]) -> int:
    """Put task messages for the rows on the broker in one round trip. Returns how many were
    handed over: all, or none when the broker is unreachable."""
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


class Dispatcher:
    """One per process and app: a daemon thread publishing what submit() hands it."""

    MAX_BATCH = 500

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self._pending: queue.SimpleQueue[QueuedEmail] = queue.SimpleQueue()
        self._outstanding = 0
        self._settled = threading.Condition()
        threading.Thread(target=self._run, name="outbox-dispatcher", daemon=True).start()
        atexit.register(self.wait_idle, 2.0)

    def submit(self, emails: Sequence[QueuedEmail]) -> None:
        with self._settled:
            self._outstanding += len(emails)
        for email in emails:
            self._pending.put(email)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted has been published or given up on."""
        with self._settled:
            return self._settled.wait_for(lambda: self._outstanding == 0, timeout)

    def _run(self) -> None:
        while True:
            batch = [self._pending.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    publish(batch)
            except Exception:
                log.exception("handing %d email(s) to the broker failed", len(batch))
            with self._settled:
                self._outstanding -= len(batch)
                self._settled.notify_all()


_dispatchers: dict[int, Dispatcher] = {}
_lock = threading.Lock()


def dispatcher_for(app: Flask) -> Dispatcher:
    """The process's dispatcher for app, started on first use (and again after a fork)."""
    with _lock:
        found = _dispatchers.get(id(app))
        if found is None or found.pid != os.getpid():
            found = _dispatchers[id(app)] = Dispatcher(app)
        return found
