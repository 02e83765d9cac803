"""The outbox: email rows written with the change that caused them, handed to Celery after
commit (see dispatcher), relayed again if the broker never got them, and sent at most once."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.util import identity_key

from campaign.core import db as database
from campaign.core import locks
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail import dispatcher, rendering, skeleton, suppressions, transport
from campaign.mail.dispatcher import QueuedEmail
from campaign.mail.models import EmailStatus, OutboundEmail, Stream
from campaign.mail.suppressions import SuppressionReason

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
RELAY_BACKOFF = timedelta(minutes=5)
# How long a worker has a row it claimed. One send takes seconds (each SMTP step times out
# after 10 s); a worker that dies holding rows delays them by at most this plus a relay.
LEASE = timedelta(seconds=60)


_EMAIL_VALUES = ("template", "recipient", "context", "stream", "created_at")


def _email_row(name: str) -> BindParameter[Any]:
    """A bound value of the email row, typed as its column (the JSON, the enum)."""
    return bindparam(f"email_{name}", type_=OutboundEmail.__table__.c[name].type)


_QUEUED_ROW = {
    **{name: _email_row(name) for name in _EMAIL_VALUES},
    "updated_at": _email_row("created_at"),
    "due_at": _email_row("created_at"),
    "status": literal(EmailStatus.QUEUED, OutboundEmail.__table__.c.status.type),
    "attempts": literal(0),
}
_INSERT_EMAIL = insert(OutboundEmail).values(_QUEUED_ROW).returning(OutboundEmail.id)


def _email_values(
    template: str, recipient: str, context: dict[str, Any], stream: Stream
) -> dict[str, Any]:
    values = {"template": template, "recipient": recipient, "context": context, "stream": stream}
    return {f"email_{name}": value for name, value in {**values, "created_at": utcnow()}.items()}


def queue_email(
    template: str,
    recipient: str,
    context: dict[str, Any],
    stream: Stream = Stream.TRANSACTIONAL,
) -> QueuedEmail:
    """Write an email row in the caller's transaction; it is handed to the workers when that
    transaction commits."""
    email_id = (
        db.session.connection()
        .execute(_INSERT_EMAIL, _email_values(template, recipient, context, stream))
        .scalar_one()
    )
    email = QueuedEmail(email_id, stream)
    dispatcher.after_commit(db.session(), email)
    return email


def commit_with_email(
    change: Insert,
    values: dict[str, Any],
    template: str,
    recipient: str,
    context: dict[str, Any],
    stream: Stream = Stream.TRANSACTIONAL,
) -> tuple[int | None, QueuedEmail | None]:
    """Run change (an INSERT ... RETURNING id that may insert nothing) with values and,
    only when it inserted its row, write an email row; both are committed and the email
    handed over: the hot path of signing. Returns the new row's id and the queued email,
    or (None, None). The values' names must not start with "email_".

    On PostgreSQL both are one statement (a writable CTE), run apart from the caller's
    session on a connection where it commits as it runs (one round trip, no BEGIN or
    COMMIT), and the email is handed to the workers as soon as it returns. Elsewhere
    (SQLite) they are two statements in the session, and its commit. The caller's session
    is to hold nothing of its own to commit: on PostgreSQL its transaction (what it read)
    is ended first and its connection given back, and nothing of it is committed, so a
    connection lost here may still be retried (see web.app.Chorus)."""
    if db.engine.dialect.name != "postgresql":
        new_id = db.session.connection().execute(change, values).scalar()
        email = None if new_id is None else queue_email(template, recipient, context, stream)
        db.session.commit()
        return new_id, email
    if db.session.registry.has():  # (a request that has read nothing has no session yet)
        session = db.session()
        if session.new or session.dirty or session.deleted or dispatcher.pending(session):
            raise RuntimeError("commit_with_email: the session holds writes of its own")
        if session.in_transaction():
            session.rollback()
    email_values = _email_values(template, recipient, context, stream)
    with database.autocommit_connection() as connection:
        row = connection.execute(_with_email(change), {**values, **email_values}).one()
    if row.new_id is None:
        return None, None
    email = QueuedEmail(row.email_id, stream)
    dispatcher.dispatch([email])
    return row.new_id, email


@cache
def _with_email(change: Insert) -> Select[tuple[int | None, int | None]]:
    """WITH new AS (change), email AS (INSERT INTO outbound_emails SELECT ... FROM new
    RETURNING id) SELECT (the new id), (the email's id): built once per change."""
    new = change.cte("new")
    new_id = next(iter(new.c))
    email = (
        insert(OutboundEmail)
        .from_select(list(_QUEUED_ROW), select(*_QUEUED_ROW.values()).select_from(new))
        .returning(OutboundEmail.id)
        .cte("email")
    )
    return select(
        select(new_id).scalar_subquery().label("new_id"),
        select(email.c.id).scalar_subquery().label("email_id"),
    )


def relay(grace_seconds: float = 30.0) -> int:
    """Hand over again the rows still queued grace_seconds after they were due (the broker
    never got them, or lost them), and queue again, at once, the rows whose worker let
    their lease run out. A row handed over here is not handed over again for
    RELAY_BACKOFF, so mail waiting in a long bulk queue is not sent to the broker over and
    over. One relay at a time: another that finds the lock taken does nothing."""
    with locks.exclusive("outbox-relay") as mine:
        if not mine:
            log.info("another relay is running; this one does nothing")
            return 0
        return _relay(grace_seconds)


def _relay(grace_seconds: float) -> int:
    now = utcnow()
    expired = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.status == EmailStatus.SENDING,
            or_(
                OutboundEmail.lease_expires_at < now,
                # claimed by a worker from before leases, during an upgrade
                and_(
                    OutboundEmail.lease_expires_at.is_(None),
                    OutboundEmail.updated_at < now - timedelta(minutes=15),
                ),
            ),
        )
        .values(
            status=EmailStatus.QUEUED,
            updated_at=now,
            due_at=now,
            lease_expires_at=None,
            resends=OutboundEmail.resends + 1,
        )
        .returning(OutboundEmail.id, OutboundEmail.stream)
    ).all()
    db.session.commit()
    if expired:
        log.warning(
            "%d email(s) queued again after their worker stopped before recording the "
            "outcome; some may reach their recipient twice (same Message-ID)",
            len(expired),
        )
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
    # The expired rows first (their recipients have waited longest); each row once.
    emails = list({row.id: QueuedEmail(row.id, row.stream) for row in [*expired, *rows]}.values())
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


_CLAIMED_ROW = (
    OutboundEmail.id,
    OutboundEmail.template,
    OutboundEmail.recipient,
    OutboundEmail.context,
    OutboundEmail.stream,
    OutboundEmail.attempts,
)
_CLAIMING = {
    "status": EmailStatus.SENDING,
    "attempts": OutboundEmail.attempts + 1,
    "updated_at": bindparam("claim_now"),
    "lease_expires_at": bindparam("claim_lease_ends"),
}
_CLAIM = (
    update(OutboundEmail)
    .where(OutboundEmail.id == bindparam("claim_id"), OutboundEmail.status == EmailStatus.QUEUED)
    .values(_CLAIMING)
    .returning(*_CLAIMED_ROW)
)
# How many due rows a drain claims at a time, and how long it goes on (see drain).
DRAIN_BATCH = 20
DRAIN_SECONDS = 2.0
# A claimed row not yet sent this close to the end of its lease is put back unsent.
LEASE_MARGIN_SECONDS = 20.0
_CLAIM_DUE = (
    update(OutboundEmail)
    .where(
        OutboundEmail.status == EmailStatus.QUEUED,
        OutboundEmail.id.in_(
            select(OutboundEmail.id)
            .where(
                # Written out, so that the partial index of queued rows serves even a
                # prepared statement's generic plan.
                OutboundEmail.status == literal_column(f"'{EmailStatus.QUEUED.value}'"),
                OutboundEmail.stream == bindparam("drain_stream", type_=OutboundEmail.stream.type),
                OutboundEmail.due_at <= bindparam("claim_now"),
            )
            .order_by(OutboundEmail.due_at)
            .limit(DRAIN_BATCH)
            .with_for_update(skip_locked=True)
        ),
    )
    .values(_CLAIMING)
    .returning(*_CLAIMED_ROW)
)


def _claim_params() -> dict[str, Any]:
    now = utcnow()
    return {"claim_now": now, "claim_lease_ends": now + LEASE}


def deliver(email_id: int) -> EmailStatus | None:
    """Send one row. Only the caller that moves it from queued to sending sends it, so a task
    delivered twice sends once; the claim is a lease of LEASE, after which the relay queues
    the row again. Raises RetryLater after a temporary failure."""
    lease_ends = time.monotonic() + LEASE.total_seconds()  # no later than the row's own
    email = (
        db.session.connection().execute(_CLAIM, {"claim_id": email_id, **_claim_params()}).first()
    )
    db.session.commit()
    _expire_loaded(email_id)
    if email is None:
        return None
    return _send(email, lease_ends)


def drain(stream: Stream) -> int:
    """Send the rows of stream that are queued and due, DRAIN_BATCH at a time, for up to
    DRAIN_SECONDS, each claimed as deliver claims one. After a surge a worker's processes
    send the backlog over their connections at the speed the mail server takes it, rather
    than a task each; the task of a row sent here finds it sent and does nothing but drain.
    Stops at the first temporary failure (the server's trouble is everyone's), at the
    deadline, or when a claim's lease is near its end, putting back (and handing over
    again) what it had claimed and not tried. Returns how many it tried to send."""
    tried = 0
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        lease_ends = time.monotonic() + LEASE.total_seconds()  # no later than the rows'
        params = {"drain_stream": stream, **_claim_params()}
        rows = sorted(db.session.connection().execute(_CLAIM_DUE, params).all(), key=lambda r: r.id)
        db.session.commit()
        if not rows:
            break
        claim = _Batch(rows, params["claim_lease_ends"])
        try:
            for row in rows:
                _expire_loaded(row.id)
                now = time.monotonic()
                if now > deadline or now > lease_ends - LEASE_MARGIN_SECONDS:
                    return tried
                claim.tried += 1
                tried += 1
                try:
                    _send(row, lease_ends)
                except RetryLater as later:  # queued again; handed over for its retry
                    dispatcher.dispatch_later(QueuedEmail(row.id, row.stream), later.seconds)
                    return tried
        finally:
            claim.put_back_the_rest()
    return tried


@dataclass
class _Batch:
    """Rows a drain claimed together (one lease), and how many of them it has tried."""

    rows: list[Row[Any]]
    lease: datetime  # the lease_expires_at the claim wrote
    tried: int = 0

    def put_back_the_rest(self) -> None:
        """The rows not tried: queued again as they were (the claim's attempt not counted),
        due now, and handed over again. Only while they are still this claim's (the same
        lease): a row whose lease ran out may be another worker's by now. Best effort: what
        is left 'sending' goes back at the end of its lease."""
        rest = self.rows[self.tried :]
        if not rest:
            return
        try:
            db.session.rollback()  # whatever the failure left behind
            db.session.connection().execute(
                _PUT_BACK,
                {
                    "put_back": [row.id for row in rest],
                    "put_back_lease": self.lease,
                    "put_back_at": utcnow(),
                },
            )
            db.session.commit()
        except DBAPIError:
            log.warning("%d claimed email(s) left for the relay after their lease", len(rest))
            db.session.rollback()
            return
        for row in rest:
            _expire_loaded(row.id)
        dispatcher.dispatch([QueuedEmail(row.id, row.stream) for row in rest])


_PUT_BACK = (
    update(OutboundEmail)
    .where(
        OutboundEmail.id.in_(bindparam("put_back", expanding=True)),
        OutboundEmail.status == EmailStatus.SENDING,
        OutboundEmail.lease_expires_at == bindparam("put_back_lease"),
    )
    .values(
        status=EmailStatus.QUEUED,
        attempts=OutboundEmail.attempts - 1,
        lease_expires_at=None,
        due_at=bindparam("put_back_at"),
        updated_at=bindparam("put_back_at"),
    )
)


def _send(email: Row[Any], lease_ends: float) -> EmailStatus:
    """Send a row this worker has claimed (lease until lease_ends, time.monotonic()) and
    record the outcome. Raises RetryLater after a temporary failure."""
    claim = _Claim(email.id, email.attempts, lease_ends)
    # A coordinator's test of a bulk email is sent as one, on the quick path, even to an
    # address on the suppression list (they asked for it).
    test = bool(email.context.get("as_bulk"))
    bulk = email.stream == Stream.BULK or test
    if bulk and not test and suppressions.suppressed_among([email.recipient]):
        return _finish(claim, EmailStatus.SUPPRESSED, "on the suppression list")
    try:
        copy = (
            None
            if bulk
            else skeleton.copy_of(
                email.template, email.recipient, email.context, message_key(email)
            )
        )
        if copy is not None:
            transport.transport().send_bytes(copy[0], email.recipient, copy[1])
        else:
            message = rendering.build_message(
                email.template,
                email.recipient,
                email.context,
                message_key=message_key(email),
                bulk=bulk,
                # Outreach to targets: their answers reach the staff, not a no-reply address.
                reply_to=email.context.get("reply_to") if test else _outreach_reply_to(bulk),
            )
            transport.transport().send(message)
    except transport.TemporaryFailure as exc:
        if email.attempts >= MAX_ATTEMPTS:
            if exc.bounce:
                suppressions.suppress(email.recipient, SuppressionReason.BOUNCED, str(exc))
            return _finish(
                claim, EmailStatus.FAILED, f"gave up after {email.attempts} tries: {exc}"
            )
        delay = retry_delay(email.attempts)
        _finish(claim, EmailStatus.QUEUED, str(exc), due_in=delay)
        raise RetryLater(delay, str(exc)) from exc
    except transport.PermanentFailure as exc:
        if exc.bounce:
            # The address does not take mail: no bulk mail goes to it again.
            suppressions.suppress(email.recipient, SuppressionReason.BOUNCED, str(exc))
        return _finish(claim, EmailStatus.FAILED, str(exc))
    except Exception as exc:
        # A bug or a broken template: retrying would fail the same way. Record it, keep going.
        log.exception("email %s could not be built or sent", email.id)
        db.session.rollback()
        return _finish(claim, EmailStatus.FAILED, f"{type(exc).__name__}: {exc}")
    return _finish(claim, EmailStatus.SENT)


def _outreach_reply_to(bulk: bool) -> str | None:
    return current_app.config["REPLY_TO"] if bulk else None


class _Row(Protocol):
    @property
    def id(self) -> int: ...


def message_key(email: _Row) -> str:
    """The left part of the row's Message-ID: the same at every attempt, unique per row, and
    telling a recipient nothing (not how many emails came before it)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"outbox:{email.id}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class _Claim:
    """A worker's hold on a row: which attempt, and until when (time.monotonic())."""

    email_id: int
    attempt: int
    lease_ends: float


def _finish(
    claim: _Claim, status: EmailStatus, error: str | None = None, due_in: int = 0
) -> EmailStatus:
    """Record the outcome of a send over this worker's own claim, never over another
    worker's. What the mail server answered is known only here, so a database outage is
    waited out for as long as the lease lasts rather than let the row be sent again."""
    now = utcnow()
    statement = _outcome(status)
    params = {
        "outcome_id": claim.email_id,
        "outcome_attempt": claim.attempt,
        "outcome_error": error,
        "outcome_now": now,
        "outcome_due": now + timedelta(seconds=due_in),
    }
    pause = 0.5
    while True:
        try:
            recorded = db.session.connection().execute(statement, params).rowcount
            db.session.commit()
            _expire_loaded(claim.email_id)
            break
        except DBAPIError as exc:
            db.session.rollback()
            if not database.connection_failed(exc) or time.monotonic() + pause > claim.lease_ends:
                raise
            log.warning(
                "email %s: cannot record %s yet (%s); trying again", claim.email_id, status, exc
            )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
    if not recorded:
        log.warning(
            "email %s: %s not recorded, another worker has the row since its lease ran out",
            claim.email_id,
            status,
        )
    return status


def _expire_loaded(email_id: int) -> None:
    """The row was changed without the ORM: a copy this session holds is read again."""
    loaded = db.session.identity_map.get(identity_key(OutboundEmail, email_id))
    if loaded is not None:
        db.session.expire(loaded)


@cache
def _outcome(status: EmailStatus) -> Update:
    """The UPDATE that records status over a claim (built once per status)."""
    values: dict[str, Any] = {
        "status": status,
        "last_error": bindparam("outcome_error"),
        "updated_at": bindparam("outcome_now"),
        "lease_expires_at": None,
    }
    if status == EmailStatus.QUEUED:
        values["due_at"] = bindparam("outcome_due")
    else:
        values["context"] = {}  # may hold a one-time link; not needed once the row is settled
    mine = and_(
        OutboundEmail.status == EmailStatus.SENDING,
        OutboundEmail.attempts == bindparam("outcome_attempt"),
    )
    if status == EmailStatus.SENT:
        values["sent_at"] = bindparam("outcome_now")
        # Queued again after the lease ran out but not yet claimed: sent is still worth
        # recording, so that it is not sent a second time.
        mine = or_(mine, OutboundEmail.status == EmailStatus.QUEUED)
    return (
        update(OutboundEmail)
        .where(OutboundEmail.id == bindparam("outcome_id"), mine)
        .values(values)
    )


@dataclass(frozen=True)
class OutboxState:
    """How the mail is doing, for the console."""

    counts: dict[tuple[Stream, EmailStatus], int]
    resends: int
    oldest_waiting: datetime | None  # when the email that has waited longest was written
    recent_failures: list[OutboundEmail]


def state(failures: int = 20) -> OutboxState:
    """Counts per stream and status, possible duplicates (resends after an unknown outcome),
    the longest wait, and the latest failures."""
    counts = {
        (row.stream, row.status): row.n
        for row in db.session.execute(
            select(OutboundEmail.stream, OutboundEmail.status, func.count().label("n")).group_by(
                OutboundEmail.stream, OutboundEmail.status
            )
        )
    }
    resends = db.session.scalar(select(func.coalesce(func.sum(OutboundEmail.resends), 0)))
    oldest = db.session.scalar(
        select(func.min(OutboundEmail.created_at)).where(
            OutboundEmail.status.in_([EmailStatus.QUEUED, EmailStatus.SENDING])
        )
    )
    recent = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.status == EmailStatus.FAILED)
        .order_by(OutboundEmail.updated_at.desc())
        .limit(failures)
    )
    return OutboxState(counts, int(resends or 0), oldest, list(recent))
