"""The senders of an appeal: Celery tasks on the bulk queue, each claiming a batch of the
appeal's rows with a lease and sending them one after the other over its process's reused
SMTP connection, then handing itself over again, paced for the appeal's rate.

Each recipient gets one message. A sender commits each outcome the moment the server has
answered, and that same statement tells it whether it still holds the row and whether the
appeal is still sending (paused, cancelled: it stops there, so at most the message in hand,
or the next, goes out after the click). A sender that dies leaves its
unsent rows claimed until the lease runs out; the next sender to claim takes them over, and
beat restarts the senders of an appeal that has gone quiet. Only the message in flight at the
moment of death can be sent twice, and only if the server had taken it before the record
was written."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Connection, CursorResult, Row, and_, bindparam, exists, func, select, update

from campaign.contacts import services as contacts
from campaign.core import audit
from campaign.core.audit import SYSTEM
from campaign.core.db import locked, utcnow
from campaign.extensions import db
from campaign.mail import outbox, suppressions, transport
from campaign.mail.bulk import BulkMessages

from .emails import appeal_context, message_key, reply_to
from .models import Appeal, AppealMessage, AppealStatus, MessageStatus
from .sending import pause_by_itself, senders_for

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
BATCH = 100
# Between messages, a sender renews its lease (and tells the watchdog it is alive) at most
# this often.
RENEW_EVERY = 5.0
# Temporary refusals (4xx) of one recipient before the address is given up on and suppressed.
MAX_ATTEMPTS = 5
# Longest a sender waits in the broker (retries due later are left to the next sender).
MAX_COUNTDOWN = 60


@dataclass(frozen=True)
class Claimed:
    id: int
    email: str
    full_name: str
    attempts: int


@dataclass(frozen=True)
class BatchResult:
    """What one batch did, and what the sender should do next."""

    claimed: int
    last_id: int
    again_in: float | None  # None: this sender is done


def send_batch(appeal_id: int, me: str, after: int = 0, round_: int | None = None) -> BatchResult:
    """Claim a batch of this appeal's rows for `me` (a task id) and send it. A sender of an
    earlier round than the appeal's stops; so does every sender once the campaign it asks
    for has closed (the appeal pauses, saying why)."""
    appeal = db.session.get(Appeal, appeal_id, populate_existing=True)
    if appeal is None or appeal.status != AppealStatus.SENDING:
        return BatchResult(0, after, None)
    if round_ is not None and round_ != appeal.sender_round:
        return BatchResult(0, after, None)
    if appeal.campaign is not None and not appeal.campaign.is_open:
        _pause_now(
            appeal.id,
            f"“{appeal.campaign.title}” no longer takes signatures, so the sign button "
            "would lead nowhere. Reopen the campaign and resume, or cancel the appeal.",
        )
        return BatchResult(0, after, None)
    lanes = senders_for(appeal)
    per_lane = appeal.rate_per_minute / lanes if appeal.rate_per_minute else 0
    size = BATCH if not per_lane else max(1, min(BATCH, int(per_lane / 6)))
    began = time.monotonic()
    try:
        sender = _Sender(appeal, me)  # before claiming: a broken setting holds no rows
    except Exception as exc:
        log.exception("appeal %s: its messages cannot be made", appeal_id)
        db.session.rollback()
        _pause_now(appeal_id, f"Its messages cannot be made: {type(exc).__name__}: {exc}")
        return BatchResult(0, after, None)
    try:
        rows = _claim(appeal_id, me, size, after)
    except BaseException:
        sender.close()
        raise
    if not rows:
        sender.close()
        return BatchResult(0, after, _next_look(appeal_id))
    outcome = sender.send(rows)
    if _after_batch(appeal_id, outcome):
        return BatchResult(len(rows), rows[-1].id, None)
    pace = len(rows) * 60 / per_lane - (time.monotonic() - began) if per_lane else 0.0
    pace = max(0.0, pace)
    if pace:
        _expect_progress(appeal_id, pace)
    return BatchResult(len(rows), rows[-1].id, pace)


def _claim(appeal_id: int, me: str, size: int, after: int) -> list[Claimed]:
    """Rows whose sender's lease ran out (it died), then the next queued rows after the
    last I claimed (and then from the start: rows queued again after a temporary failure
    or a pause)."""
    now = utcnow()
    lost = and_(
        AppealMessage.appeal_id == appeal_id,
        AppealMessage.status == MessageStatus.SENDING,
        AppealMessage.lease_expires_at < now,
    )
    rows = _take(lost, me, size, now)
    for floor in (after, 0):
        if len(rows) >= size:
            break
        rows += _take(
            and_(
                AppealMessage.appeal_id == appeal_id,
                AppealMessage.status == MessageStatus.QUEUED,
                AppealMessage.id > floor,
                AppealMessage.due_at <= now,
            ),
            me,
            size - len(rows),
            now,
        )
        if floor == 0:
            break
    db.session.commit()
    return sorted(rows, key=lambda row: row.id)


def _take(condition: Any, me: str, size: int, now: datetime) -> list[Claimed]:
    ids = (
        select(AppealMessage.id)
        .where(condition)
        .order_by(AppealMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(AppealMessage)
        .where(AppealMessage.id.in_(ids))
        .values(status=MessageStatus.SENDING, claimed_by=me, lease_expires_at=now + LEASE)
        .returning(
            AppealMessage.id, AppealMessage.email, AppealMessage.full_name, AppealMessage.attempts
        )
    ).all()
    return [Claimed(*row) for row in claimed]


def _next_look(appeal_id: int) -> float | None:
    """Nothing to claim now: when to look again (rows waiting to be retried), or None when
    the rest is in other senders' hands or the appeal is finished."""
    now = utcnow()
    waiting = db.session.scalar(
        select(func.min(AppealMessage.due_at)).where(
            AppealMessage.appeal_id == appeal_id, AppealMessage.status == MessageStatus.QUEUED
        )
    )
    if waiting is not None:
        delay = min(MAX_COUNTDOWN, max(0.5, (waiting - now).total_seconds()))
        _expect_progress(appeal_id, delay)
        return delay
    _finish_if_done(appeal_id)
    return None


def _expect_progress(appeal_id: int, seconds: float) -> None:
    """A sender waiting on purpose (its rate, a retry) is not a sender gone quiet."""
    db.session.execute(
        update(Appeal)
        .where(Appeal.id == appeal_id)
        .values(progress_at=utcnow() + timedelta(seconds=seconds))
    )
    db.session.commit()


def _finish_if_done(appeal_id: int) -> None:
    unsent = exists().where(
        AppealMessage.appeal_id == appeal_id,
        AppealMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]),
    )
    finished = cast(
        CursorResult,
        db.session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id, Appeal.status == AppealStatus.SENDING, ~unsent)
            .values(status=AppealStatus.SENT, finished_at=utcnow())
        ),
    ).rowcount
    if finished:
        audit.record(SYSTEM, "appeal.sent", "appeal", appeal_id)
    db.session.commit()


def _pause_now(appeal_id: int, reason: str) -> bool:
    """Pause a sending appeal by itself (under its row's lock); False if it was not sending."""
    appeal = locked(Appeal, appeal_id)
    paused = appeal is not None and appeal.status == AppealStatus.SENDING
    if paused:
        assert appeal is not None
        pause_by_itself(appeal, reason)
    db.session.commit()
    return paused


@dataclass
class _Outcome:
    attempted: int = 0  # messages the server answered for good (taken, or refused for good)
    failures: int = 0  # of those, refused
    stopped: bool = False  # this sender stops: paused, cancelled, its rows lost, server gone
    pause_reason: str | None = None  # a fault of ours, not a recipient's: pause the appeal


class _Sender:
    """Sends claimed rows one after the other, recording each at once."""

    def __init__(self, appeal: Appeal, me: str) -> None:
        # Plain values: the appeal row expires at every commit, and each message commits.
        self.appeal_id = appeal.id
        self.attempted_before = appeal.attempted
        self.failures_before = appeal.failures
        self.me = me
        self.messages = BulkMessages("appeal", appeal_context(appeal), reply_to(appeal))
        self.transport = transport.transport()
        self.outcome = _Outcome()
        self.renewed = time.monotonic()
        self._records = _records_connection()
        self.records = self._records.__enter__()

    def close(self) -> None:
        self._records.__exit__(None, None, None)

    def send(self, rows: list[Claimed]) -> _Outcome:
        try:
            skipped = suppressions.suppressed_among([row.email for row in rows])
            for index, row in enumerate(rows):
                if not self._one(row, skipped, held=len(rows) - index):
                    self._release(rows[index + 1 :])
                    break
        finally:
            self.close()
        return self.outcome

    def _one(self, row: Claimed, skipped: set[str], held: int) -> bool:
        """Send (or skip) one row; False when the batch stops here."""
        if time.monotonic() - self.renewed > RENEW_EVERY and not self._renew(held):
            self._release([row])  # not sent: whoever holds the rest, this one goes back
            self.outcome.stopped = True
            return False
        if row.email in skipped:
            return self._record(row, MessageStatus.SUPPRESSED, "on the suppression list")
        if not self._send_one(row):
            return False
        # Past the failure threshold, counting this batch so far: stop here (the batch's end
        # decides whether the appeal pauses).
        return not _past_threshold(
            self.attempted_before + self.outcome.attempted,
            self.failures_before + self.outcome.failures,
        )

    def _send_one(self, row: Claimed) -> bool:
        """Send one row and record what happened; False when this sender stops."""
        try:
            data = self.messages.copy_for(
                row.email, message_key(row.id), {"full_name": row.full_name}
            )
            self.transport.send_bytes(self.messages.envelope_sender, row.email, data)
        except transport.PermanentFailure as exc:
            if not exc.bounce:  # refused for our sake (sender, login, policy): stop, say so
                return self._stop_for(row, f"The mail server refused to send: {exc}")
            self.outcome.attempted += 1
            self.outcome.failures += 1
            contacts.record_bounce(row.email, str(exc))
            db.session.commit()
            return self._record(row, MessageStatus.FAILED, str(exc))
        except transport.TemporaryFailure as exc:
            if exc.ours:  # our login refused: nothing will go until it is fixed
                return self._stop_for(row, f"The mail server refused to send: {exc}")
            if not exc.bounce:  # the server, or the way to it: not this recipient's fault
                self._record(row, MessageStatus.QUEUED, str(exc), retry_in=30)
                self.outcome.stopped = True
                return False
            if row.attempts + 1 < MAX_ATTEMPTS:
                delay = outbox.retry_delay(row.attempts + 1) * 15  # 30 s, 60 s, 2 min, 4 min
                return self._record(
                    row, MessageStatus.QUEUED, str(exc), retry_in=delay, attempt=True
                )
            gave_up = f"gave up after {row.attempts + 1} tries: {exc}"
            self.outcome.attempted += 1
            self.outcome.failures += 1
            contacts.record_bounce(row.email, gave_up)
            db.session.commit()
            return self._record(row, MessageStatus.FAILED, gave_up, attempt=True)
        except Exception as exc:  # a broken template or DKIM key: every message would fail
            log.exception(
                "appeal %s: message %s could not be built or sent", self.appeal_id, row.id
            )
            db.session.rollback()
            return self._stop_for(row, f"A message could not be made: {type(exc).__name__}: {exc}")
        self.outcome.attempted += 1
        return self._record(row, MessageStatus.SENT)

    def _stop_for(self, row: Claimed, reason: str) -> bool:
        """A fault that is ours, not the recipient's: the row waits, the appeal pauses. A row
        that has stopped the appeal MAX_ATTEMPTS times is given up on instead (failed, not
        suppressed: it may be this message, not the address), so a resume gets past it."""
        if row.attempts + 1 >= MAX_ATTEMPTS:
            self.outcome.attempted += 1
            self.outcome.failures += 1
            return self._record(row, MessageStatus.FAILED, f"gave up: {reason}", attempt=True)
        self._record(row, MessageStatus.QUEUED, reason, retry_in=0, attempt=True)
        self.outcome.stopped = True
        self.outcome.pause_reason = reason
        return False

    def _record(
        self,
        row: Claimed,
        status: MessageStatus,
        error: str | None = None,
        retry_in: float = 0,
        attempt: bool = False,
    ) -> bool:
        """Written and committed at once: the next message waits until this one is on
        record, so a sender that dies forgets at most the one in flight. A message sent is
        recorded as sent even if the appeal was cancelled meanwhile. Returns whether to go
        on: False if another sender has the row now, or the appeal is no longer sending."""
        now = utcnow()
        if status == MessageStatus.SENT:  # nearly every message: one statement, made once
            answer = self.records.execute(_RECORD_SENT, {"row": row.id, "me": self.me, "now": now})
            return self._answered(row, answer.first())
        values: dict[str, Any] = {
            "status": status,
            "last_error": error,
            "claimed_by": None,
            "lease_expires_at": None,
        }
        if status == MessageStatus.QUEUED:
            values["due_at"] = now + timedelta(seconds=retry_in)
        if attempt:
            values["attempts"] = AppealMessage.attempts + 1
        mine = [
            AppealMessage.id == row.id,
            AppealMessage.claimed_by == self.me,
            AppealMessage.status == MessageStatus.SENDING,
        ]
        appeal_status = select(Appeal.status).where(Appeal.id == self.appeal_id).scalar_subquery()
        answer = self.records.execute(
            update(AppealMessage).where(*mine).values(values).returning(appeal_status)
        )
        return self._answered(row, answer.first())

    def _answered(self, row: Claimed, answer: Row[Any] | None) -> bool:
        self.records.commit()
        if answer is None:
            log.warning("appeal %s: message %s is no longer mine; stopping", self.appeal_id, row.id)
            self.outcome.stopped = True
            return False
        if answer[0] != AppealStatus.SENDING:
            self.outcome.stopped = True
            return False
        return True

    def _renew(self, held: int) -> bool:
        """Renew my lease on the rows I still hold, and say the appeal is moving; False when
        some were taken from me (my lease ran out: a long stall). The appeal's row first, as
        cancel and pause lock it first, so the two never wait on each other."""
        self.renewed = time.monotonic()
        now = utcnow()
        self.records.execute(
            update(Appeal).where(Appeal.id == self.appeal_id).values(progress_at=now)
        )
        renewed = self.records.execute(
            update(AppealMessage)
            .where(
                AppealMessage.appeal_id == self.appeal_id,
                AppealMessage.claimed_by == self.me,
                AppealMessage.status == MessageStatus.SENDING,
            )
            .values(lease_expires_at=now + LEASE)
        ).rowcount
        self.records.commit()
        if renewed < held:
            log.warning("appeal %s: my lease ran out and rows were taken over", self.appeal_id)
        return renewed >= held

    def _release(self, rows: list[Claimed]) -> None:
        """Give back rows I claimed and will not send now."""
        if rows:
            self.records.execute(
                update(AppealMessage)
                .where(
                    AppealMessage.id.in_([row.id for row in rows]),
                    AppealMessage.claimed_by == self.me,
                    AppealMessage.status == MessageStatus.SENDING,
                )
                .values(status=MessageStatus.QUEUED, claimed_by=None, lease_expires_at=None)
            )
            self.records.commit()


# A message sent, recorded as sent (even if the appeal was cancelled meanwhile), telling the
# sender the appeal's status in the same round trip.
_RECORD_SENT = (
    update(AppealMessage)
    .where(AppealMessage.id == bindparam("row"), AppealMessage.claimed_by == bindparam("me"))
    .values(
        status=MessageStatus.SENT,
        sent_at=bindparam("now"),
        last_error=None,
        claimed_by=None,
        lease_expires_at=None,
    )
    .returning(select(Appeal.status).where(Appeal.id == AppealMessage.appeal_id).scalar_subquery())
)


@contextmanager
def _records_connection() -> Iterator[Connection]:
    """Where a sender commits each outcome: a connection of its own (a short UPDATE and
    COMMIT, without the session's bookkeeping, between one message and the next). On
    PostgreSQL its commits do not wait for the disk: a sender that dies loses nothing
    committed, and only a crash of PostgreSQL itself could forget the last moment's records
    (those few recipients would get the message again)."""
    with db.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET synchronous_commit TO off")
            connection.commit()
        try:
            yield connection
        finally:
            if postgres and not connection.invalidated:
                connection.rollback()
                connection.exec_driver_sql("RESET synchronous_commit")
                connection.commit()


def _after_batch(appeal_id: int, outcome: _Outcome) -> bool:
    """Keep the tallies, pause on a fault of ours or past the failure threshold, finish when
    nothing is left. Returns whether this sender stops."""
    config = current_app.config
    db.session.execute(
        update(Appeal)
        .where(Appeal.id == appeal_id)
        .values(
            progress_at=utcnow(),
            attempted=Appeal.attempted + outcome.attempted,
            failures=Appeal.failures + outcome.failures,
        )
    )
    appeal = locked(Appeal, appeal_id)
    assert appeal is not None
    if appeal.status == AppealStatus.SENDING and outcome.pause_reason:
        pause_by_itself(appeal, f"{outcome.pause_reason}. Fix it, then resume.")
        outcome.stopped = True
    elif appeal.status == AppealStatus.SENDING and _past_threshold(
        appeal.attempted, appeal.failures
    ):
        pause_by_itself(
            appeal,
            f"{appeal.failures:,} of the last {appeal.attempted:,} messages failed "
            f"(more than {config['APPEAL_PAUSE_FAILURE_RATE']:.0%}). Look at the failures "
            "on the appeal's page, then resume or cancel.",
        )
        outcome.stopped = True
    db.session.commit()
    if not outcome.stopped:
        _finish_if_done(appeal_id)
    return outcome.stopped


def _past_threshold(attempted: int, failures: int) -> bool:
    """More than APPEAL_PAUSE_FAILURE_RATE of the messages failed, once at least
    APPEAL_PAUSE_AFTER have been tried."""
    config = current_app.config
    return (
        attempted >= config["APPEAL_PAUSE_AFTER"]
        and failures > attempted * config["APPEAL_PAUSE_FAILURE_RATE"]
    )
