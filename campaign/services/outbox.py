"""The outbox: email rows written with the change that caused them, handed to Celery after
commit (see dispatcher), relayed again if the broker never got them, and sent at most once."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from campaign.extensions import db
from campaign.models import EmailStatus, OutboundEmail, Stream
from campaign.models._types import utcnow
from campaign.services import dispatcher, mailer
from campaign.services.dispatcher import QueuedEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
RELAY_BACKOFF = timedelta(minutes=5)


_INSERT_EMAIL = (
    insert(OutboundEmail)
    .values(
        {
            **{
                name: bindparam(name)
                for name in ("template", "recipient", "context", "stream", "created_at")
            },
            "updated_at": bindparam("created_at"),
            "due_at": bindparam("created_at"),
            "status": EmailStatus.QUEUED,
            "attempts": 0,
        }
    )
    .returning(OutboundEmail.id)
)


def queue_email(
    template: str,
    recipient: str,
    context: dict[str, Any],
    stream: Stream = Stream.TRANSACTIONAL,
) -> QueuedEmail:
    """Write an email row in the caller's transaction; dispatch it after commit."""
    now = utcnow()
    email_id = (
        db.session.connection()
        .execute(
            _INSERT_EMAIL,
            {
                "template": template,
                "recipient": recipient,
                "context": context,
                "stream": stream,
                "created_at": now,
            },
        )
        .scalar_one()
    )
    return QueuedEmail(email_id, stream)


def relay(grace_seconds: float = 30.0, stuck_after_seconds: float = 900.0) -> int:
    """Hand over again the rows still queued grace_seconds after they were due (the broker
    never got them, or lost them), and requeue rows left 'sending' by a worker that died.
    A row handed over here is not handed over again for RELAY_BACKOFF, so mail waiting in a
    long bulk queue is not sent to the broker over and over."""
    now = utcnow()
    db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.status == EmailStatus.SENDING,
            OutboundEmail.updated_at < now - timedelta(seconds=stuck_after_seconds),
        )
        .values(status=EmailStatus.QUEUED, updated_at=now, due_at=now)
    )
    db.session.commit()
    rows = db.session.execute(
        select(OutboundEmail.id, OutboundEmail.stream)
        .where(
            OutboundEmail.status == EmailStatus.QUEUED,
            OutboundEmail.due_at <= now - timedelta(seconds=grace_seconds),
        )
        .order_by(OutboundEmail.due_at)
        .limit(5000)
    ).all()
    dispatcher.reset_broker_pause()
    emails = [QueuedEmail(row.id, row.stream) for row in rows]
    handed = _hand_over(emails)
    if handed:
        db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id.in_([e.id for e in emails[:handed]]),
                OutboundEmail.status == EmailStatus.QUEUED,
            )
            .values(due_at=now + RELAY_BACKOFF)
        )
        db.session.commit()
    return handed


def _hand_over(emails: list[QueuedEmail]) -> int:
    """Synchronously, so the relay knows what the broker took (a prefix of emails)."""
    if current_app.extensions["celery"].conf.task_always_eager:
        return dispatcher.dispatch(emails)
    return sum(dispatcher.publish(emails[i : i + 500]) for i in range(0, len(emails), 500))


class RetryLater(Exception):
    """The server refused for now; the row is queued again and due in `seconds`."""

    def __init__(self, seconds: int, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


def retry_delay(attempts: int) -> int:
    """Exponential backoff after the n-th failed attempt: 2 s, 4 s, 8 s, ... at most an hour."""
    return min(2**attempts, 3600)


def deliver(email_id: int) -> EmailStatus | None:
    """Send one row. Only the caller that moves it from queued to sending sends it, so a task
    delivered twice sends once. Raises RetryLater after a temporary failure."""
    claimed = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.status == EmailStatus.QUEUED)
        .values(
            status=EmailStatus.SENDING, attempts=OutboundEmail.attempts + 1, updated_at=utcnow()
        )
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    email = db.session.get(OutboundEmail, email_id)
    assert email is not None
    try:
        message = mailer.build_message(email.template, email.recipient, email.context)
        mailer.transport().send(message)
    except mailer.TemporaryFailure as exc:
        if email.attempts >= MAX_ATTEMPTS:
            return _finish(
                email, EmailStatus.FAILED, f"gave up after {email.attempts} tries: {exc}"
            )
        delay = retry_delay(email.attempts)
        email.due_at = utcnow() + timedelta(seconds=delay)
        _finish(email, EmailStatus.QUEUED, str(exc))
        raise RetryLater(delay, str(exc)) from exc
    except mailer.PermanentFailure as exc:
        return _finish(email, EmailStatus.FAILED, str(exc))
    except Exception as exc:
        # A bug or a broken template: retrying would fail the same way. Record it, keep going.
        log.exception("email %s could not be built or sent", email_id)
        db.session.rollback()
        return _finish(email, EmailStatus.FAILED, f"{type(exc).__name__}: {exc}")
    return _finish(email, EmailStatus.SENT)


def _finish(email: OutboundEmail, status: EmailStatus, error: str | None = None) -> EmailStatus:
    email.status = status
    email.last_error = error
    if status != EmailStatus.QUEUED:
        email.context = {}  # may hold a one-time link; not needed once the row is settled
    if status == EmailStatus.SENT:
        email.sent_at = utcnow()
    db.session.commit()
    return status
