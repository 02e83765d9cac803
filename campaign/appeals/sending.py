"""Sending an appeal, as its coordinator steers it: schedule it (the time waits in the
database and beat starts it), start it (its recipients written as rows, its senders
started: see senders), pause, resume and cancel it; and restart the senders of an appeal that
has gone quiet."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from campaign.core import audit, jobs
from campaign.core.audit import SYSTEM, Actor
from campaign.core.db import UTCDateTime, locked, utcnow
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.mail import outbox

from .audiences import count, recipients
from .composing import AppealRefused, audience_of, locked_appeal
from .models import Appeal, AppealMessage, AppealStatus, Audience, MessageStatus

log = logging.getLogger(__name__)

# A sending appeal whose senders have said nothing for this long (no batch finished, no
# lease renewed, no wait announced) has lost them: beat starts new ones, which take over the
# rows of the lost ones once their lease has run out.
STALL = timedelta(seconds=45)
SENDERS = 4


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
    """An appeal that has not started (waiting for its time, or paused because it could not
    start) goes back to being a draft, to be changed."""
    appeal = locked_appeal(appeal_id)
    not_started = appeal.status == AppealStatus.PAUSED and appeal.started_at is None
    if appeal.status != AppealStatus.SCHEDULED and not not_started:
        raise AppealRefused(f"This appeal is {appeal.status.value}; it has started already.")
    appeal.status = AppealStatus.DRAFT
    appeal.scheduled_for = None
    appeal.paused_reason = None
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
    started = 0
    for appeal_id in due:
        try:
            started += _start(appeal_id)
        except Exception:  # one appeal that cannot start must not stop the others
            db.session.rollback()
            log.exception("appeal %s could not start", appeal_id)
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
        pause_by_itself(appeal, f"It could not start: {exc} Take it back to a draft to change it.")
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
    if written == 0:
        pause_by_itself(
            appeal,
            "Nobody was left to send it to when its time came. Take it back to a draft and "
            "widen its audience, or cancel it.",
        )
        db.session.commit()
        return False
    appeal.recipients = written
    appeal.started_at = now
    appeal.progress_at = now
    appeal.status = AppealStatus.SENDING
    audit.record(SYSTEM, "appeal.start", "appeal", appeal.id, recipients=written)
    db.session.commit()
    _start_senders(appeal)
    return True


def senders_for(appeal: Appeal) -> int:
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
    for _ in range(senders_for(appeal)):
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
    """Stop for good: the messages waiting are never sent (a sender in the middle of one
    finishes it, and stops). Returns how many were left."""
    appeal = locked_appeal(appeal_id)
    if appeal.status not in (AppealStatus.SCHEDULED, AppealStatus.SENDING, AppealStatus.PAUSED):
        raise AppealRefused(f"This appeal is {appeal.status.value}; there is nothing to cancel.")
    # A sender in the middle of a message still records it as sent (it keeps its claim);
    # it sees the appeal cancelled as it does, and stops.
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


def pause_by_itself(appeal: Appeal, reason: str) -> None:
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
