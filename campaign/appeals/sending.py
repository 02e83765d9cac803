"""Sending an appeal: scheduled in the database and started by beat, its recipients written
as rows at the start, then claimed and sent in batches by a few senders (Celery tasks on the
bulk queue), each over its process's reused SMTP connection.

Each recipient gets one message. A sender claims a batch with a lease, records each message
as sent the moment the server has taken it, and looks at the appeal between messages
(pause, cancel) and renews its lease. A sender that dies leaves its unsent rows claimed
until the lease runs out; a new sender takes them then (beat restarts the senders of an
appeal that has gone quiet). Only the message in flight at the moment of death can be sent
twice, and only if the server had taken it and the record had not been written."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import (
    Connection,
    CursorResult,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from campaign.contacts import services as contacts
from campaign.core import audit, jobs
from campaign.core.audit import SYSTEM, Actor
from campaign.core.db import UTCDateTime, locked, utcnow
from campaign.core.links import external_url
from campaign.core.markup import render_markdown
from campaign.extensions import db
from campaign.mail import outbox, suppressions, transport
from campaign.mail.bulk import BulkMessages
from campaign.mail.suppressions import Suppression, SuppressionReason

from .audiences import count, recipients
from .composing import AppealRefused, audience_of, locked_appeal
from .models import Appeal, AppealMessage, AppealStatus, Audience, MessageStatus

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
# A sending appeal with no batch finished for this long has lost its senders: beat starts
# new ones (they take over the rows of the lost ones once their lease has run out).
STALL = timedelta(seconds=45)
BATCH = 100
SENDERS = 4
# Between messages, a sender looks at the appeal (paused? cancelled?) and renews its lease
# at most this often.
LOOK_EVERY = 1.0
# Temporary refusals (4xx) of one recipient before the address is given up on and suppressed.
MAX_ATTEMPTS = 5
# Longest a sender waits in the broker (retries due later are left to the next sender).
MAX_COUNTDOWN = 60


# -- scheduling --------------------------------------------------------------------------


def schedule(actor: Actor, appeal_id: int, when: datetime | None) -> Appeal:
    """Send the appeal at `when` (None: now). Refused without recipients, with a closed
    campaign, or for a time in the past."""
    appeal = locked_appeal(appeal_id)
    if appeal.status != AppealStatus.DRAFT:
        raise AppealRefused(f"This appeal is {appeal.status.value}; only a draft can be sent.")
    now = utcnow()
    if when is not None and when < now - timedelta(minutes=1):
        raise AppealRefused(
            "That time has passed: choose a time from now on, or send it now.", field="when"
        )
    _check_campaign(appeal)
    if count(audience_of(appeal)) == 0:
        raise AppealRefused(
            "Nobody would get this appeal: its audience has no subscribed, reachable "
            "contacts. Widen the audience."
        )
    appeal.status = AppealStatus.SCHEDULED
    appeal.scheduled_for = when or now
    appeal.started_by_id = actor.account_id
    audit.record(
        actor, "appeal.schedule", "appeal", appeal.id, when=appeal.scheduled_for.isoformat()
    )
    db.session.commit()
    if when is None or when <= now:
        _kick(start_due_appeals_task())
    return appeal


def unschedule(actor: Actor, appeal_id: int) -> Appeal:
    """A scheduled appeal that has not started goes back to being a draft."""
    appeal = locked_appeal(appeal_id)
    if appeal.status != AppealStatus.SCHEDULED:
        raise AppealRefused(f"This appeal is {appeal.status.value}, not waiting for its time.")
    appeal.status = AppealStatus.DRAFT
    appeal.scheduled_for = None
    audit.record(actor, "appeal.unschedule", "appeal", appeal.id)
    db.session.commit()
    return appeal


def _check_campaign(appeal: Appeal) -> None:
    if appeal.audience == Audience.SUPPORTERS:
        if appeal.campaign is None:
            raise AppealRefused("Choose the campaign the appeal asks people to sign.")
        if not appeal.campaign.is_open:
            raise AppealRefused(
                f"“{appeal.campaign.title}” no longer takes signatures; choose an open campaign."
            )


def start_due_appeals() -> int:
    """Start every scheduled appeal whose time has come, and restart the senders of any that
    went quiet. (Beat runs this every few seconds; `send now` runs it at once.)"""
    now = utcnow()
    due = db.session.scalars(
        select(Appeal.id).where(
            Appeal.status == AppealStatus.SCHEDULED, Appeal.scheduled_for <= now
        )
    ).all()
    started = sum(1 for appeal_id in due if _start(appeal_id))
    stalled = db.session.scalars(
        select(Appeal.id).where(
            Appeal.status == AppealStatus.SENDING,
            or_(Appeal.progress_at.is_(None), Appeal.progress_at < now - STALL),
        )
    ).all()
    for appeal_id in stalled:
        db.session.execute(update(Appeal).where(Appeal.id == appeal_id).values(progress_at=now))
        db.session.commit()
        log.warning("appeal %s went quiet; starting its senders again", appeal_id)
        _start_senders(db.session.get_one(Appeal, appeal_id))
    return started


def _start(appeal_id: int) -> bool:
    """Write the recipients as rows and start the senders, once (under the row's lock)."""
    appeal = locked(Appeal, appeal_id)
    if appeal is None or appeal.status != AppealStatus.SCHEDULED:
        db.session.rollback()
        return False
    now = utcnow()
    try:
        _check_campaign(appeal)
    except AppealRefused as exc:
        _pause(appeal, f"It could not start: {exc}")
        db.session.commit()
        return False
    chosen = recipients(audience_of(appeal)).subquery()
    db.session.execute(
        insert(AppealMessage).from_select(
            ["appeal_id", "email", "full_name", "contact_id", "status", "attempts", "due_at"],
            select(
                literal(appeal.id),
                chosen.c.email,
                chosen.c.full_name,
                chosen.c.contact_id,
                literal(MessageStatus.QUEUED.value),
                literal(0),
                literal(now, UTCDateTime()),
            ),
        )
    )
    written = (
        db.session.scalar(
            select(func.count())
            .select_from(AppealMessage)
            .where(AppealMessage.appeal_id == appeal.id)
        )
        or 0
    )
    appeal.recipients = written
    appeal.started_at = now
    appeal.progress_at = now
    if written == 0:
        _pause(appeal, "Nobody was left to send it to when its time came.")
    else:
        appeal.status = AppealStatus.SENDING
    audit.record(SYSTEM, "appeal.start", "appeal", appeal.id, recipients=written)
    db.session.commit()
    if written:
        _start_senders(appeal)
    return True


def _senders(appeal: Appeal) -> int:
    """Fewer senders for a slow appeal: each sends its share of the rate."""
    if not appeal.rate_per_minute:
        return SENDERS
    return max(1, min(SENDERS, appeal.rate_per_minute // 120))


def _start_senders(appeal: Appeal) -> None:
    """A new round of senders; those of earlier rounds stop at their next batch."""
    round_ = db.session.execute(
        update(Appeal)
        .where(Appeal.id == appeal.id)
        .values(sender_round=Appeal.sender_round + 1)
        .returning(Appeal.sender_round)
    ).scalar_one()
    db.session.commit()
    for _ in range(_senders(appeal)):
        _kick(send_batch_task(), appeal.id, 0, round_)


def _kick(task: Any, *args: Any, countdown: float = 0) -> None:
    """Hand a task over; a broker that is down is not fatal: beat's watchdog starts
    quiet appeals again."""
    try:
        jobs.enqueue(task, *args, countdown=countdown) if countdown else jobs.enqueue(task, *args)
    except Exception as exc:  # kombu raises several kinds when Redis is unreachable
        log.warning("could not hand %s over (%s); beat will start it again", task.name, exc)


def start_due_appeals_task() -> Any:
    from campaign.appeals import tasks  # the tasks call this module

    return tasks.start_due_appeals


def send_batch_task() -> Any:
    from campaign.appeals import tasks

    return tasks.send_appeal_batch


# -- pause, resume, cancel -----------------------------------------------------------------


def pause(actor: Actor, appeal_id: int) -> Appeal:
    appeal = locked_appeal(appeal_id)
    if appeal.status != AppealStatus.SENDING:
        raise AppealRefused(f"This appeal is {appeal.status.value}, not sending.")
    appeal.status = AppealStatus.PAUSED
    appeal.paused_reason = None
    audit.record(actor, "appeal.pause", "appeal", appeal.id)
    db.session.commit()
    return appeal


def resume(actor: Actor, appeal_id: int) -> Appeal:
    appeal = locked_appeal(appeal_id)
    if appeal.status != AppealStatus.PAUSED:
        raise AppealRefused(f"This appeal is {appeal.status.value}, not paused.")
    if appeal.started_at is None:  # paused before it could start: start it now
        appeal.status = AppealStatus.SCHEDULED
        appeal.scheduled_for = utcnow()
        audit.record(actor, "appeal.resume", "appeal", appeal.id)
        db.session.commit()
        _kick(start_due_appeals_task())
        return appeal
    appeal.status = AppealStatus.SENDING
    appeal.paused_reason = None
    appeal.progress_at = utcnow()
    # The failure-rate check starts again from here: the coordinator has looked at it.
    appeal.attempted = appeal.failures = 0
    audit.record(actor, "appeal.resume", "appeal", appeal.id)
    db.session.commit()
    _start_senders(appeal)
    return appeal


def cancel(actor: Actor, appeal_id: int) -> int:
    """Stop for good: the messages not yet sent never will be. Returns how many were left."""
    appeal = locked_appeal(appeal_id)
    if appeal.status not in (AppealStatus.SCHEDULED, AppealStatus.SENDING, AppealStatus.PAUSED):
        raise AppealRefused(f"This appeal is {appeal.status.value}; there is nothing to cancel.")
    left = cast(
        CursorResult,
        db.session.execute(
            update(AppealMessage)
            .where(
                AppealMessage.appeal_id == appeal.id,
                AppealMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]),
            )
            .values(status=MessageStatus.CANCELLED)
        ),
    ).rowcount
    appeal.status = AppealStatus.CANCELLED
    appeal.finished_at = utcnow()
    audit.record(actor, "appeal.cancel", "appeal", appeal.id, unsent=left)
    db.session.commit()
    return left


def _pause(appeal: Appeal, reason: str) -> None:
    """Pause by itself and tell the coordinator who sent it why (in the caller's
    transaction)."""
    appeal.status = AppealStatus.PAUSED
    appeal.paused_reason = reason
    audit.record(SYSTEM, "appeal.pause", "appeal", appeal.id, reason=reason)
    who = appeal.started_by or appeal.created_by
    if who is not None:
        outbox.queue_email(
            "appeal_paused",
            who.email,
            {
                "subject": appeal.subject,
                "reason": reason,
                "url": external_url("console.appeal", appeal_id=appeal.id),
            },
        )


# -- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What the send page shows, read from the rows."""

    status: AppealStatus
    recipients: int
    counts: dict[MessageStatus, int]
    unsubscribed_since: int
    signatures: int
    paused_reason: str | None
    recent_failures: list[tuple[str, str]]  # (address, what the server said), latest first

    @property
    def done(self) -> int:
        return sum(
            self.counts.get(s, 0)
            for s in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SUPPRESSED)
        )

    @property
    def percent(self) -> int:
        if not self.recipients:
            return 100 if self.status == AppealStatus.SENT else 0
        return min(100, self.done * 100 // self.recipients)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "recipients": self.recipients,
            "percent": self.percent,
            "queued": self.counts.get(MessageStatus.QUEUED, 0)
            + self.counts.get(MessageStatus.SENDING, 0),
            "sent": self.counts.get(MessageStatus.SENT, 0),
            "failed": self.counts.get(MessageStatus.FAILED, 0),
            "suppressed": self.counts.get(MessageStatus.SUPPRESSED, 0),
            "cancelled": self.counts.get(MessageStatus.CANCELLED, 0),
            "unsubscribed_since": self.unsubscribed_since,
            "signatures": self.signatures,
            "paused_reason": self.paused_reason,
        }


def progress(appeal: Appeal) -> Progress:
    from campaign.campaigns.models import Signature
    from campaign.contacts.models import Contact

    counts = {
        MessageStatus(status): n
        for status, n in db.session.execute(
            select(AppealMessage.status, func.count())
            .where(AppealMessage.appeal_id == appeal.id)
            .group_by(AppealMessage.status)
        )
    }
    unsubscribed = 0
    if appeal.started_at is not None:
        unsubscribed = (
            db.session.scalar(
                select(func.count())
                .select_from(AppealMessage)
                .join(Contact, Contact.id == AppealMessage.contact_id)
                .join(Suppression, Suppression.email_normalized == Contact.email_normalized)
                .where(
                    AppealMessage.appeal_id == appeal.id,
                    Suppression.reason == SuppressionReason.UNSUBSCRIBED,
                    Suppression.created_at >= appeal.started_at,
                )
            )
            or 0
        )
    signatures = (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(Signature.appeal_id == appeal.id, Signature.confirmed_at.is_not(None))
        )
        or 0
    )
    failures = db.session.execute(
        select(AppealMessage.email, AppealMessage.last_error)
        .where(AppealMessage.appeal_id == appeal.id, AppealMessage.last_error.is_not(None))
        .order_by(AppealMessage.id.desc())
        .limit(10)
    ).all()
    return Progress(
        appeal.status,
        appeal.recipients,
        counts,
        unsubscribed,
        signatures,
        appeal.paused_reason,
        [(email, error or "") for email, error in failures],
    )


# -- the senders -------------------------------------------------------------------------------


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
    """Claim a batch of this appeal's rows for `me` (a task id: a task delivered again
    takes back its own rows at once) and send it. A sender of an earlier round than the
    appeal's stops."""
    appeal = db.session.get(Appeal, appeal_id, populate_existing=True)
    if appeal is None or appeal.status != AppealStatus.SENDING:
        return BatchResult(0, after, None)
    if round_ is not None and round_ != appeal.sender_round:
        return BatchResult(0, after, None)
    lanes = _senders(appeal)
    per_lane = appeal.rate_per_minute / lanes if appeal.rate_per_minute else 0
    size = BATCH if not per_lane else max(1, min(BATCH, int(per_lane / 6)))
    began = time.monotonic()
    rows = _claim(appeal.id, me, size, after)
    if not rows:
        return BatchResult(0, after, _next_look(appeal.id))
    outcome = _Sender(appeal, me).send(rows)
    _after_batch(appeal.id, outcome)
    if outcome.stopped:
        return BatchResult(len(rows), rows[-1].id, None)
    pace = len(rows) * 60 / per_lane - (time.monotonic() - began) if per_lane else 0
    return BatchResult(len(rows), rows[-1].id, max(0.0, pace))


def _claim(appeal_id: int, me: str, size: int, after: int) -> list[Claimed]:
    """Rows of my own from a delivery that died, then those whose sender's lease ran out,
    then the next queued rows after the last I claimed (and then from the start: rows
    queued again after a temporary failure or a pause)."""
    now = utcnow()
    mine_or_lost = and_(
        AppealMessage.appeal_id == appeal_id,
        AppealMessage.status == MessageStatus.SENDING,
        or_(AppealMessage.claimed_by == me, AppealMessage.lease_expires_at < now),
    )
    rows = _take(mine_or_lost, me, size, now)
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
        return min(MAX_COUNTDOWN, max(0.5, (waiting - now).total_seconds()))
    _finish_if_done(appeal_id)
    return None


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


@dataclass
class _Outcome:
    attempted: int = 0
    failures: int = 0
    stopped: bool = False


class _Sender:
    """Sends claimed rows one after the other, recording each at once."""

    def __init__(self, appeal: Appeal, me: str) -> None:
        # Plain values: the appeal row expires at every commit, and each message commits.
        self.appeal_id = appeal.id
        self.attempted_before = appeal.attempted
        self.failures_before = appeal.failures
        self.me = me
        reply_to = current_app.config["REPLY_TO"] if appeal.audience == Audience.PARTNERS else None
        self.messages = BulkMessages("appeal", appeal_context(appeal), reply_to)
        self.transport = transport.transport()
        self.outcome = _Outcome()

    def send(self, rows: list[Claimed]) -> _Outcome:
        skipped = suppressions.suppressed_among([row.email for row in rows])
        with _records_connection() as self.records:
            return self._send_all(rows, skipped)

    def _send_all(self, rows: list[Claimed], skipped: set[str]) -> _Outcome:
        looked = time.monotonic()
        for index, row in enumerate(rows):
            if time.monotonic() - looked > LOOK_EVERY:
                looked = time.monotonic()
                if not self._still_sending():
                    self._release(rows[index:])
                    self.outcome.stopped = True
                    break
            if row.email in skipped:
                self._record(row, MessageStatus.SUPPRESSED, "on the suppression list")
                continue
            if not self._send_one(row) or self._failing():
                self._release(rows[index + 1 :])
                self.outcome.stopped = True
                break
        return self.outcome

    def _failing(self) -> bool:
        """Past the failure threshold, counting this batch so far: stop now (the batch's end
        pauses the appeal)."""
        return _past_threshold(
            self.attempted_before + self.outcome.attempted,
            self.failures_before + self.outcome.failures,
        )

    def _send_one(self, row: Claimed) -> bool:
        """Send one row and record what happened; False when the mail server is out of
        reach (the sender stops; its rows wait for a later one)."""
        data = self.messages.copy_for(row.email, message_key(row.id), {"full_name": row.full_name})
        try:
            self.transport.send_bytes(self.messages.envelope_sender, row.email, data)
        except transport.PermanentFailure as exc:
            self.outcome.attempted += 1
            self.outcome.failures += 1
            if exc.bounce:
                contacts.record_bounce(row.email, str(exc))
                db.session.commit()
            self._record(row, MessageStatus.FAILED, str(exc))
            return True
        except transport.TemporaryFailure as exc:
            if not exc.bounce:  # the server, or the way to it: not this recipient's fault
                self._record(row, MessageStatus.QUEUED, str(exc), retry_in=30)
                return False
            self.outcome.attempted += 1
            self.outcome.failures += 1
            if row.attempts + 1 >= MAX_ATTEMPTS:
                contacts.record_bounce(row.email, f"gave up after {row.attempts + 1} tries: {exc}")
                db.session.commit()
                self._record(
                    row, MessageStatus.FAILED, f"gave up after {row.attempts + 1} tries: {exc}"
                )
            else:
                delay = outbox.retry_delay(row.attempts + 1) * 15  # 30 s, 60 s, 2 min, 4 min
                self._record(row, MessageStatus.QUEUED, str(exc), retry_in=delay, attempt=True)
            return True
        self.outcome.attempted += 1
        self._record(row, MessageStatus.SENT)
        return True

    def _record(
        self,
        row: Claimed,
        status: MessageStatus,
        error: str | None = None,
        retry_in: float = 0,
        attempt: bool = False,
    ) -> None:
        """Written and committed at once: the next message waits until this one is on
        record, so a sender that dies forgets at most the one in flight."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": status,
            "last_error": error,
            "claimed_by": None,
            "lease_expires_at": None,
        }
        if status == MessageStatus.SENT:
            values["sent_at"] = now
        if status == MessageStatus.QUEUED:
            values["due_at"] = now + timedelta(seconds=retry_in)
        if attempt:
            values["attempts"] = AppealMessage.attempts + 1
        self.records.execute(
            update(AppealMessage)
            .where(AppealMessage.id == row.id, AppealMessage.claimed_by == self.me)
            .values(values)
        )
        self.records.commit()

    def _still_sending(self) -> bool:
        """Whether the appeal is still sending; and my lease is renewed while it is."""
        status = db.session.scalar(select(Appeal.status).where(Appeal.id == self.appeal_id))
        if status == AppealStatus.SENDING:
            db.session.execute(
                update(AppealMessage)
                .where(
                    AppealMessage.appeal_id == self.appeal_id,
                    AppealMessage.claimed_by == self.me,
                    AppealMessage.status == MessageStatus.SENDING,
                )
                .values(lease_expires_at=utcnow() + LEASE)
            )
        db.session.commit()
        return status == AppealStatus.SENDING

    def _release(self, rows: list[Claimed]) -> None:
        """Give back rows I claimed and will not send (paused, cancelled, server gone)."""
        if rows:
            db.session.execute(
                update(AppealMessage)
                .where(
                    AppealMessage.id.in_([row.id for row in rows]),
                    AppealMessage.claimed_by == self.me,
                    AppealMessage.status == MessageStatus.SENDING,
                )
                .values(status=MessageStatus.QUEUED, claimed_by=None, lease_expires_at=None)
            )
            db.session.commit()


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


def _after_batch(appeal_id: int, outcome: _Outcome) -> None:
    """Keep the tallies, pause past the failure threshold, finish when nothing is left."""
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
    if appeal.status == AppealStatus.SENDING and _past_threshold(appeal.attempted, appeal.failures):
        _pause(
            appeal,
            f"{appeal.failures:,} of the last {appeal.attempted:,} messages failed "
            f"(more than {config['APPEAL_PAUSE_FAILURE_RATE']:.0%}). Look at the failures "
            "on the appeal's page, then resume or cancel.",
        )
        outcome.stopped = True
    db.session.commit()
    if not outcome.stopped:
        _finish_if_done(appeal_id)


def _past_threshold(attempted: int, failures: int) -> bool:
    """More than APPEAL_PAUSE_FAILURE_RATE of the messages failed, once at least
    APPEAL_PAUSE_AFTER have been tried."""
    config = current_app.config
    return (
        attempted >= config["APPEAL_PAUSE_AFTER"]
        and failures > attempted * config["APPEAL_PAUSE_FAILURE_RATE"]
    )


def message_key(message_id: int) -> str:
    """The left part of a message's Message-ID: stable per recipient row, telling nothing."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"appeal:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


def appeal_context(appeal: Appeal, test: bool = False) -> dict[str, Any]:
    """What the appeal email says, the same for every recipient but their name and links."""
    campaign = appeal.campaign
    return {
        "subject": appeal.subject,
        "body_html": str(render_markdown(appeal.body)),
        "body_text": appeal.body,
        "campaign_title": campaign.title if campaign else None,
        "sign_url": (
            external_url("public.from_appeal", slug=campaign.slug, appeal_id=appeal.id)
            if campaign
            else None
        ),
        "partner_notice": appeal.audience == Audience.PARTNERS,
        "test": test,
    }


def send_test(actor: Actor, appeal_id: int, address: str) -> None:
    """Email the appeal, as a recipient would get it, to the coordinator themself."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise AppealRefused("There is no such appeal.")
    outbox.queue_email(
        "appeal",
        address,
        {**appeal_context(appeal, test=True), "full_name": "", "as_bulk": True},
    )
    audit.record(actor, "appeal.test", "appeal", appeal.id, to=address)
    db.session.commit()
