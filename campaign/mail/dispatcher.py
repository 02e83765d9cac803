"""Handing committed outbox rows to the broker, once their transaction has committed.

A service queues an email row with the change that caused it (outbox.queue_email) and
never dispatches it itself: the row waits in the session until the entry point commits,
and a session hook then hands it to Celery. A rollback forgets it, with the row.

Nothing here is the source of truth: a row the broker never got (Redis down, process
killed) is still queued in the database, and the relay hands it over later. (Handing rows
over from a background thread was measured twice: one at a time it cost more CPU than it
saved; batched, one LPUSH per process every 20 ms, signing's CPU under make bench did not
move, 3.5-3.6x the floor's against 3.3-3.7x.)

A committed row's message is built by Celery (the task message a worker expects) and put
straight on its task's queue: apply_async's routing, option merging and producer pool cost
twice the CPU of the message itself, on every signature.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from celery import Celery, Task
from celery.utils import uuid
from flask import current_app
from kombu.serialization import dumps
from kombu.utils import json
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from campaign.mail.models import Stream

log = logging.getLogger(__name__)

# After the broker refuses a message, stop trying for this long: the relay hands the rows
# over once it is back.
BROKER_PAUSE_SECONDS = 5.0
_broker_down_until = 0.0


@dataclass(frozen=True)
class QueuedEmail:
    """What the broker needs of an outbox row."""

    id: int
    stream: Stream


_PENDING = "outbox.pending"  # [(email, the transaction, or savepoint, that wrote it)]
_COMMITTED = "outbox.committed"


def after_commit(session: Session, email: QueuedEmail) -> None:
    """Hand the row to the workers once the session's outermost transaction commits; if
    the savepoint that wrote it rolls back, or the transaction does, it is forgotten."""
    written_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((email, written_in))


def pending(session: Session) -> bool:
    """Whether rows wait for this session's commit."""
    return bool(session.info.get(_PENDING))


def discard_pending(session: Session) -> list[QueuedEmail]:
    """Forget the rows waiting for this session's commit (the relay still has them)."""
    session.info.pop(_COMMITTED, None)
    return [email for email, _ in session.info.pop(_PENDING, [])]


def _committed(session: Session) -> None:
    # Fired for a savepoint released too: only the outermost commit counts.
    if session.info.get(_PENDING) and not session.in_nested_transaction():
        session.info[_COMMITTED] = True


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint rolled back: forget the rows written inside it (the outermost
    transaction's end forgets everything when it did not commit)."""
    pending = session.info.get(_PENDING)
    if pending and previous.nested:
        session.info[_PENDING] = [(e, t) for e, t in pending if not _within(t, previous)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """At the end of the outermost transaction: dispatch what it committed. (Not in
    after_commit itself, where the session cannot run the in-process sends' queries.)"""
    if transaction.parent is not None or not session.info.get(_PENDING):
        return
    committed = session.info.get(_COMMITTED, False)
    emails = discard_pending(session)
    if committed:
        dispatch(emails)


def install() -> None:
    """Dispatch after commit in every session (once, however many apps are made)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", _rolled_back)
        event.listen(Session, "after_transaction_end", _ended)


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
        task = celery.tasks[task_for(email.stream).name]
        try:
            if eager:
                task.apply_async(args=[email.id], argsrepr=str(email.id), kwargsrepr="{}")
            else:
                put_on_queue(celery, task, email.id)
        except Exception as exc:  # redis-py and kombu raise several kinds when it is away
            if eager:
                log.exception("sending email %s failed", email.id)
                continue
            _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
            log.warning("broker unreachable, email %s left for the relay: %s", email.id, exc)
            return handed
        handed += 1
    return handed


def dispatch_later(email: QueuedEmail, seconds: int) -> None:
    """Hand a row over to be sent in seconds (a retry due soon); never raises. Further off,
    or when the broker is away, the relay hands it over when it is due."""
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager or seconds > RETRY_IN_BROKER_SECONDS:
        return
    try:
        celery.tasks[task_for(email.stream).name].apply_async(
            args=[email.id], countdown=seconds, retry=False, argsrepr=str(email.id)
        )
    except Exception as exc:  # redis-py and kombu raise several kinds when it is away
        log.warning("broker unreachable, email %s's retry left for the relay: %s", email.id, exc)


# Retries due sooner than this wait in the broker; later ones are left to the relay, which
# hands the row over when it is due (the broker's visibility timeout stays short).
RETRY_IN_BROKER_SECONDS = 60


def put_on_queue(celery: Celery, task: Task, email_id: int) -> None:
    """The message apply_async would send for task(email_id), put on the queue the app's
    router gives the task, through the process's broker channel (one LPUSH)."""
    broker = _broker(celery)
    envelope = broker.envelope_of(celery, task)
    body = dumps(([email_id], {}, _NO_WORKFLOW), serializer=task.serializer)[2]
    encoded, _ = broker.channel.encode_body(body, broker.channel.body_encoding)
    message = (
        envelope.text.replace(_TASK_ID, uuid())
        .replace(_ARGSREPR, str(email_id))
        .replace(_BODY, json.dumps(encoded)[1:-1])  # as a JSON string's contents
        .replace(_DELIVERY_TAG, uuid())
    )
    with broker.channel.conn_or_acquire() as client:
        client.execute_command("LPUSH", envelope.queue, message)


# What apply_async sends as the third part of a task's arguments when the task is not part
# of a chain, chord or group.
_NO_WORKFLOW = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
# Stand-ins for each message's own values in a task's serialized envelope. They are JSON
# string contents as they are (no character JSON would escape), and nothing else in the
# envelope (names, the host name, the serializer's name) can hold them.
_TASK_ID = "chorus.task-id.3a7f0c"
_ARGSREPR = "chorus.argsrepr.3a7f0c"
_BODY = "chorus.body.3a7f0c"
_DELIVERY_TAG = "chorus.delivery-tag.3a7f0c"


@dataclass(frozen=True)
class _Envelope:
    """A task's message as it goes on its queue, serialized once, with stand-ins for what
    differs between messages; the rest is what Celery and kombu put there for the task."""

    queue: str
    text: str


def _envelope(celery: Celery, task: Task, channel: Any, queue: str) -> _Envelope:
    message = celery.amqp.as_task_v2(
        _TASK_ID,
        task.name,
        args=[0],
        argsrepr=_ARGSREPR,
        kwargsrepr="{}",
        ignore_result=task.ignore_result,
        time_limit=task.time_limit,
        soft_time_limit=task.soft_time_limit,
    )
    if message.body != ([0], {}, _NO_WORKFLOW):
        raise RuntimeError("Celery's task message has changed: check dispatcher.put_on_queue")
    content_type, encoding, _ = dumps(message.body, serializer=task.serializer)
    properties: dict[str, Any] = {**message.properties, "delivery_mode": 2}  # persistent
    envelope = channel.prepare_message(
        _BODY, 0, content_type, encoding, message.headers, properties
    )
    # What the channel's basic_publish adds, for the default exchange ("": the routing key
    # names the queue), the body being encoded per message with the channel's encoding.
    # (Priority 0 is the queue itself; no queue here has an expiry to renew.)
    envelope["properties"].update(body_encoding=channel.body_encoding, delivery_tag=_DELIVERY_TAG)
    envelope["properties"]["delivery_info"].update(exchange="", routing_key=queue)
    return _Envelope(queue, json.dumps(envelope))


@dataclass
class _Broker:
    """A process's broker channel for one Celery app, and each task's envelope."""

    pid: int
    channel: Any
    envelopes: dict[str, _Envelope]  # (no reference to the app: it is the weak key of _brokers)

    def envelope_of(self, celery: Celery, task: Task) -> _Envelope:
        envelope = self.envelopes.get(task.name)
        if envelope is None:
            options = {"queue": task.queue} if task.queue else {}
            route = celery.amqp.router.route(options, task.name, task_type=task)
            envelope = _envelope(celery, task, self.channel, route["queue"].name)
            self.envelopes[task.name] = envelope
        return envelope


_brokers: weakref.WeakKeyDictionary[Celery, _Broker] = weakref.WeakKeyDictionary()
_making_broker = threading.Lock()


def _broker(celery: Celery) -> _Broker:
    """Made on first use in a process (after a fork, anew). The channel's Redis client is
    a handle on a connection pool, safe to share between threads (campaign.broker); a lost
    connection is made again at the next command."""
    broker = _brokers.get(celery)
    if broker is None or broker.pid != os.getpid():
        with _making_broker:
            broker = _brokers.get(celery)
            if broker is None or broker.pid != os.getpid():
                channel = celery.connection_for_write().default_channel
                broker = _brokers[celery] = _Broker(os.getpid(), channel, {})
    return broker


def task_for(stream: Stream) -> Task:
    """The task that sends a row of this stream, each on its own queue."""
    from campaign.mail import tasks  # the tasks send through the outbox, which uses this

    return tasks.send_bulk if stream == Stream.BULK else tasks.send_transactional


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
                celery.tasks[task_for(email.stream).name].apply_async(
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
