"""Appeals sent by a real worker and started by a real beat, on a Redis of the test's own: a
scheduled appeal starts on time, a rate limit holds, pause and resume work between batches,
and a worker killed (SIGKILL) in the middle of a batch neither loses nor repeats anyone."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from campaign.accounts.models import Role
from campaign.appeals import composing, sending
from campaign.appeals.composing import AppealDraft
from campaign.appeals.models import Appeal, AppealStatus, Audience, MessageStatus
from campaign.contacts.models import Contact
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.extensions import db
from tests.support.appeals import counts_of
from tests.support.deployment import Deployment, deployed
from tests.support.factories import AccountFactory, CampaignFactory
from tests.support.processes import wait_until


@pytest.fixture
def deployment(redis_server, database, smtp_server, mailbox, tmp_path) -> Iterator[Deployment]:
    yield from deployed(tmp_path, database, redis_server.url, smtp_server[0])


def supporters(n: int) -> list[str]:
    """n subscribed contacts, written in one statement."""
    emails = [f"supporter{i:05}@example.org" for i in range(n)]
    db.session.execute(
        Contact.__table__.insert(),
        [
            {
                "email": e,
                "email_normalized": e,
                "full_name": f"Supporter {i}",
                "postal_code": "20005",
                "state": "DC",
                "subscription": "subscribed",
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            for i, e in enumerate(emails)
        ],
    )
    db.session.commit()
    return emails


def an_appeal(**changes) -> tuple[Actor, Appeal]:  # type: ignore[no-untyped-def]
    actor = Actor(AccountFactory(role=Role.COORDINATOR).id)
    values = {
        "audience": Audience.SUPPORTERS,
        "subject": "Sign before the vote",
        "body": "Congress votes **next week**.",
        "campaign_id": CampaignFactory().id,
    }
    values.update(changes)
    return actor, composing.create_appeal(actor, AppealDraft(**values))


def appeal_now(appeal_id: int) -> Appeal:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get_one(Appeal, appeal_id)


@pytest.mark.timeout(120)
def test_a_scheduled_appeal_starts_on_time_and_reaches_everyone_once(deployment, mailbox):
    emails = supporters(40)
    actor, appeal = an_appeal()
    due = utcnow() + timedelta(seconds=4)
    sending.schedule(actor, appeal.id, due)
    time.sleep(2)
    assert appeal_now(appeal.id).status == AppealStatus.SCHEDULED  # not before its time
    assert not mailbox.messages

    wait_until(lambda: appeal_now(appeal.id).status == AppealStatus.SENT, 60, "never finished")
    started = appeal_now(appeal.id).started_at
    assert due <= started <= due + timedelta(seconds=8)  # beat looks every 5 s
    arrived = Counter(str(m["To"]) for m in mailbox.messages)
    assert arrived == dict.fromkeys(emails, 1)
    print(f"\nscheduled for {due:%H:%M:%S}, started {(started - due).total_seconds():.1f} s later")


@pytest.mark.timeout(120)
def test_the_rate_limit_holds_and_pause_and_resume_take_effect(deployment, mailbox):
    supporters(25)
    actor, appeal = an_appeal(rate_per_minute=60)  # one sender, 10 a batch, a batch each 10 s
    sending.schedule(actor, appeal.id, None)
    wait_until(lambda: len(mailbox.messages) >= 10, 30, "the first batch never went")
    time.sleep(3)
    assert len(mailbox.messages) == 10  # then it waits for its rate
    sending.pause(actor, appeal.id)
    time.sleep(10)  # past the next batch's time
    assert len(mailbox.messages) == 10 and counts_of(appeal.id)[MessageStatus.QUEUED] == 15

    resumed = time.monotonic()
    sending.resume(actor, appeal.id)
    wait_until(lambda: appeal_now(appeal.id).status == AppealStatus.SENT, 60, "never finished")
    took = time.monotonic() - resumed
    assert len(mailbox.copies()) == 25 == len(mailbox.messages)
    assert took >= 9  # 15 more at 60 a minute: two batches, ten seconds apart
    print(f"\nthe last 15 at 60 a minute took {took:.1f} s")


@pytest.mark.timeout(240)
def test_a_worker_killed_mid_batch_neither_loses_nor_repeats_a_recipient(deployment, mailbox):
    emails = supporters(300)
    actor, appeal = an_appeal()
    mailbox.hold = 0.05  # each recipient is answered a little later: the kill lands there
    sending.schedule(actor, appeal.id, None)
    wait_until(lambda: len(mailbox.messages) >= 60, 60, "the appeal never got going")
    # Both of the worker's processes are waiting for a RCPT answer: nothing in flight has
    # been accepted, and everything accepted before has been recorded.
    wait_until(lambda: mailbox.holding >= 2, 10, "the senders were never both waiting")
    deployment.worker.kill()
    killed_at = time.monotonic()
    before = len(mailbox.messages)
    claimed = counts_of(appeal.id).get(MessageStatus.SENDING, 0)
    assert 0 < before < 300 and claimed > 0  # killed in the middle, holding rows
    mailbox.hold = 0.0
    deployment.worker.start()

    wait_until(lambda: appeal_now(appeal.id).status == AppealStatus.SENT, 150, "never finished")
    took = time.monotonic() - killed_at
    arrived = Counter(str(m["To"]) for m in mailbox.messages)
    assert arrived == dict.fromkeys(emails, 1)  # everyone, once
    assert counts_of(appeal.id) == {MessageStatus.SENT: 300}
    print(
        f"\n{before} sent before the kill with {claimed} claimed; all 300 once, {took:.0f} s later"
    )
