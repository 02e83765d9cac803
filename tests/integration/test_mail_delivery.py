"""The sender against a real SMTP server: idempotent, temporary and permanent failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from campaign.core import locks
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail import dispatcher, outbox, transport
from campaign.mail.models import EmailStatus, OutboundEmail, Stream
from tests.support.factories import queued_email


def test_a_row_is_sent_once_however_often_delivery_runs(app, mailbox):
    email = queued_email("ann@example.org")
    assert outbox.deliver(email.id) == EmailStatus.SENT
    assert outbox.deliver(email.id) is None
    mailbox.wait_for("ann@example.org")
    assert len(mailbox.to("ann@example.org")) == 1


def test_messages_reuse_one_smtp_connection(app, mailbox):
    transport._transports.clear()
    for n in range(3):
        outbox.deliver(queued_email(f"reader{n}@example.org").id)
    for n in range(3):
        mailbox.wait_for(f"reader{n}@example.org")
    assert mailbox.connections == 1


def test_a_permanent_refusal_marks_the_row_failed_with_the_servers_answer(app, mailbox):
    email = queued_email("reject@example.org")
    assert outbox.deliver(email.id) == EmailStatus.FAILED
    row = db.session.get(OutboundEmail, email.id)
    assert row.status == EmailStatus.FAILED
    assert row.last_error == "550 5.1.1 Mailbox does not exist"


def test_a_temporary_refusal_puts_the_row_back_with_a_growing_delay(app, mailbox):
    email = queued_email("tempfail@example.org")
    delays = []
    for _ in range(3):
        with pytest.raises(outbox.RetryLater) as later:
            outbox.deliver(email.id)
        delays.append(later.value.seconds)
        row = db.session.get(OutboundEmail, email.id)
        assert row.status == EmailStatus.QUEUED
        assert row.last_error == "451 4.3.0 Try again later"
        assert row.due_at > utcnow() + timedelta(seconds=later.value.seconds - 5)
    assert delays == [2, 4, 8]
    assert db.session.get(OutboundEmail, email.id).attempts == 3


def test_the_relay_waits_for_a_retry_to_fall_due(app, mailbox):
    email = queued_email("tempfail@example.org")
    with pytest.raises(outbox.RetryLater):
        outbox.deliver(email.id)
    assert outbox.relay(grace_seconds=0) == 0  # not due yet: the backoff holds
    make_due(email.id)
    assert outbox.relay(grace_seconds=0) == 1
    assert db.session.get(OutboundEmail, email.id).attempts == 2


def test_temporary_failures_give_up_after_the_budget(app, mailbox):
    email = queued_email("tempfail@example.org")
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        with pytest.raises(outbox.RetryLater):
            outbox.deliver(email.id)
    assert outbox.deliver(email.id) == EmailStatus.FAILED
    row = db.session.get(OutboundEmail, email.id)
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {outbox.MAX_ATTEMPTS} tries: 451")


def test_a_broken_template_fails_the_row_instead_of_leaving_it_sending(app, mailbox):
    email = outbox.queue_email("no_such_template", "ann@example.org", {})
    dispatcher.discard_pending(db.session())  # sent below, by hand
    db.session.commit()
    assert outbox.deliver(email.id) == EmailStatus.FAILED
    assert "TemplateNotFound" in db.session.get(OutboundEmail, email.id).last_error


def make_due(email_id: int) -> None:
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(due_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()


def test_an_unreachable_server_is_a_temporary_failure(app, mailbox):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    email = queued_email("ann@example.org")
    with pytest.raises(outbox.RetryLater):
        outbox.deliver(email.id)
    assert db.session.scalar(select(OutboundEmail.status)) == EmailStatus.QUEUED


def test_in_process_a_temporary_failure_leaves_the_row_for_the_relay(app, mailbox):
    email = queued_email("tempfail@example.org")
    assert dispatcher.dispatch([email]) == 1
    row = db.session.get(OutboundEmail, email.id)
    db.session.refresh(row)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert row.last_error.startswith("451")
    make_due(email.id)
    result = app.test_cli_runner().invoke(args=["relay-outbox", "--grace", "0"])
    assert result.exit_code == 0 and "1 email" in result.output
    db.session.refresh(row)
    assert row.attempts == 2


def claimed_by_a_dead_worker(email_id: int, lease_left: timedelta) -> None:
    """The row as a worker leaves it that claimed it and died before recording the outcome."""
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .values(status=EmailStatus.SENDING, lease_expires_at=utcnow() + lease_left)
    )
    db.session.commit()


def test_a_row_whose_worker_died_goes_out_again_once_its_lease_ends_and_is_counted(app, mailbox):
    email = queued_email("lease@example.org")
    assert outbox.deliver(email.id) == EmailStatus.SENT  # the server accepted it, but...
    claimed_by_a_dead_worker(email.id, lease_left=timedelta(seconds=30))
    assert outbox.relay() == 0  # ...its worker still has the row
    claimed_by_a_dead_worker(email.id, lease_left=-timedelta(seconds=1))
    assert outbox.relay() == 1  # at once, though rows due only now wait out the grace
    first, second = mailbox.wait_for("lease@example.org", count=2)
    assert first["Message-ID"] == second["Message-ID"]  # the recipient's side can tell
    row = db.session.get(OutboundEmail, email.id)
    assert (row.status, row.resends, row.lease_expires_at) == (EmailStatus.SENT, 1, None)


def test_only_one_relay_runs_at_a_time(app, mailbox):
    email = queued_email("once@example.org")
    make_due(email.id)
    with locks.exclusive("outbox-relay") as held:
        assert held
        assert outbox.relay(grace_seconds=0) == 0  # another process's relay is running
        assert db.session.get(OutboundEmail, email.id).status == EmailStatus.QUEUED
    assert outbox.relay(grace_seconds=0) == 1
    mailbox.wait_for("once@example.org")


def test_a_drain_sends_what_is_due_and_stops_at_a_temporary_refusal(app, mailbox):
    """The worker's drain: due rows of its stream, oldest first, each claimed as deliver
    claims one. At the server's first 451 it stops: the refused row waits for its retry, and
    what it had claimed and not tried is put back, its attempt uncounted, and handed over
    again (in-process here, so sent at once)."""
    bulk = outbox.queue_email("letter_reminder", "target@example.org", {}, Stream.BULK)
    sent_first = queued_email("first@example.org")
    refused = queued_email("tempfail@example.org")
    later = [queued_email(f"later{n}@example.org") for n in range(5)]
    assert outbox.drain(Stream.TRANSACTIONAL) == 2
    db.session.expire_all()
    assert db.session.get(OutboundEmail, sent_first.id).status == EmailStatus.SENT
    row = db.session.get(OutboundEmail, refused.id)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert row.due_at > utcnow()  # its retry, in 2 s
    for email in later:
        row = db.session.get(OutboundEmail, email.id)
        assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    for n in range(5):
        mailbox.wait_for(f"later{n}@example.org")
    assert len(mailbox.to("first@example.org")) == 1
    assert all(len(mailbox.to(f"later{n}@example.org")) == 1 for n in range(5))
    assert outbox.drain(Stream.TRANSACTIONAL) == 0  # the refused row is not due yet
    assert db.session.get(OutboundEmail, bulk.id).status == EmailStatus.QUEUED  # not its stream


def test_a_drain_puts_back_only_rows_still_under_its_own_claim(app, mailbox):
    """A row whose lease ran out may have been queued again by the relay and claimed by
    another worker: putting back what a drain did not try leaves that claim alone."""
    mine, theirs = queued_email("mine@example.org"), queued_email("theirs@example.org")
    params = {"drain_stream": Stream.TRANSACTIONAL, **outbox._claim_params()}
    rows = sorted(db.session.connection().execute(outbox._CLAIM_DUE, params).all())
    db.session.commit()
    assert [r.id for r in rows] == [mine.id, theirs.id]
    db.session.execute(  # the other worker's claim: a lease of its own, one more attempt
        update(OutboundEmail)
        .where(OutboundEmail.id == theirs.id)
        .values(lease_expires_at=utcnow() + timedelta(seconds=90), attempts=2)
    )
    db.session.commit()
    outbox._Batch(rows, params["claim_lease_ends"]).put_back_the_rest()
    db.session.expire_all()
    assert db.session.get(OutboundEmail, theirs.id).status == EmailStatus.SENDING
    assert db.session.get(OutboundEmail, theirs.id).attempts == 2
    row = db.session.get(OutboundEmail, mine.id)  # put back, handed over, sent (in-process)
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    mailbox.wait_for("mine@example.org")
    assert mailbox.to("theirs@example.org") == []
