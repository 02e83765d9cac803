"""The sender against a real SMTP server: idempotent, temporary and permanent failures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import EmailStatus, OutboundEmail
from campaign.services import mailer, outbox
from campaign.services.mailer import TemporaryFailure


def queued(recipient: str) -> OutboundEmail:
    email = outbox.queue_email(
        "signature_confirm",
        recipient,
        {
            "full_name": "Ann",
            "campaign_title": "T",
            "confirm_url": "http://x/confirm/t",
            "ttl_hours": 72,
        },
    )
    db.session.commit()
    return email


def test_a_row_is_sent_once_however_often_delivery_runs(app, mailbox):
    email = queued("ann@example.org")
    assert outbox.deliver(email.id) == EmailStatus.SENT
    assert outbox.deliver(email.id) is None
    mailbox.wait_for("ann@example.org")
    assert len(mailbox.to("ann@example.org")) == 1


def test_messages_reuse_one_smtp_connection(app, mailbox):
    mailer._transports.clear()
    for n in range(3):
        outbox.deliver(queued(f"reader{n}@example.org").id)
    for n in range(3):
        mailbox.wait_for(f"reader{n}@example.org")
    assert mailbox.connections == 1


def test_a_permanent_refusal_marks_the_row_failed_with_the_servers_answer(app, mailbox):
    email = queued("reject@example.org")
    assert outbox.deliver(email.id) == EmailStatus.FAILED
    row = db.session.get(OutboundEmail, email.id)
    assert row.status == EmailStatus.FAILED
    assert row.last_error == "550 5.1.1 Mailbox does not exist"


def test_a_temporary_refusal_puts_the_row_back_for_a_retry(app, mailbox):
    email = queued("tempfail@example.org")
    with pytest.raises(TemporaryFailure):
        outbox.deliver(email.id)
    row = db.session.get(OutboundEmail, email.id)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert row.last_error.startswith("451")
    outbox.give_up(email.id, "gave up")
    assert db.session.get(OutboundEmail, email.id).status == EmailStatus.FAILED


def test_an_unreachable_server_is_a_temporary_failure(app, mailbox):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    email = queued("ann@example.org")
    with pytest.raises(TemporaryFailure):
        outbox.deliver(email.id)
    assert db.session.scalar(select(OutboundEmail.status)) == EmailStatus.QUEUED


def test_in_process_a_temporary_failure_leaves_the_row_for_the_relay(app, mailbox):
    email = queued("tempfail@example.org")
    assert outbox.dispatch([email]) == 1
    row = db.session.get(OutboundEmail, email.id)
    db.session.refresh(row)
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert row.last_error.startswith("451")
    result = app.test_cli_runner().invoke(args=["relay-outbox", "--min-age", "0"])
    assert result.exit_code == 0 and "1 email" in result.output
    db.session.refresh(row)
    assert row.attempts == 2
