"""The outbox end to end with a real Celery worker on Redis and a real SMTP server."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from campaign.campaigns.models import Signature
from campaign.campaigns.signing import SignatureRequest, sign_petition
from campaign.extensions import db
from campaign.mail import dispatcher, outbox
from campaign.mail.models import EmailStatus, OutboundEmail
from tests.conftest import app_on_redis, confirm_path, csrf_token
from tests.support import services
from tests.support.factories import CampaignFactory, queued_email
from tests.support.processes import wait_until_worker_idle
from tests.support.proxy import TcpProxy
from tests.support.smtp import text_part
from tests.support.web import sign


def wait_for_status(email_id: int, status: EmailStatus, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(OutboundEmail, email_id).status == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"email {email_id} never reached {status}")


def test_the_worker_sends_the_confirmation_and_its_link_confirms(worker_app, mailbox):
    client = worker_app.test_client()
    campaign = CampaignFactory()
    assert sign(client, campaign, email="ann@example.org").status_code == 303
    [message] = mailbox.wait_for("ann@example.org")
    path = confirm_path(text_part(message))
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert db.session.scalar(select(Signature.confirmed_at)) is not None
    wait_for_status(db.session.scalar(select(OutboundEmail.id)), EmailStatus.SENT)


def test_a_task_delivered_twice_sends_one_email(worker_app, mailbox):
    email = queued_email("twice@example.org")
    task = worker_app.extensions["celery"].tasks[dispatcher.task_for(email.stream).name]
    task.apply_async(args=[email.id])
    task.apply_async(args=[email.id])
    mailbox.wait_for("twice@example.org")
    wait_for_status(email.id, EmailStatus.SENT)
    wait_until_worker_idle(services.REDIS_URL)  # the second delivery has run (and not sent)
    assert len(mailbox.to("twice@example.org")) == 1
    assert db.session.get(OutboundEmail, email.id).attempts == 1


@pytest.fixture
def redis_proxy(celery_worker: str) -> Iterator[TcpProxy]:
    parts = urlsplit(celery_worker)
    proxy = TcpProxy(parts.hostname, parts.port or 6379)
    proxy.start()
    yield proxy
    proxy.stop()


def test_a_signature_made_while_redis_is_down_is_sent_when_it_is_back(
    redis_proxy, database, smtp_server, mailbox
):
    proxied = f"redis://{redis_proxy.url_host}{urlsplit(services.REDIS_URL).path}"
    for app in app_on_redis(database, smtp_server[0], proxied):
        client = app.test_client()
        campaign = CampaignFactory()
        token = csrf_token(client, f"/campaigns/{campaign.slug}")
        redis_proxy.stop()  # Redis unreachable from the web app

        response = client.post(
            f"/campaigns/{campaign.slug}/sign",
            data={
                "csrf_token": token,
                "full_name": "Ann Lee",
                "email": "down@example.org",
                "postal_code": "20005",
            },
        )
        assert response.status_code == 303
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
        email_id = db.session.scalar(select(OutboundEmail.id))
        assert db.session.get(OutboundEmail, email_id).status == EmailStatus.QUEUED
        health = client.get("/healthz")
        assert health.status_code == 200  # the database answers; the broker is reported
        assert health.json["broker"].startswith("error")

        redis_proxy.start()  # Redis is back; beat's relay hands the row over
        assert outbox.relay(grace_seconds=0) == 1
        [message] = mailbox.wait_for("down@example.org")
        assert "/confirm/" in text_part(message)
        wait_for_status(email_id, EmailStatus.SENT)


def test_a_signature_whose_email_row_is_refused_is_not_kept_and_sends_nothing(worker_app, mailbox):
    """A signature and its email are one statement: when the database refuses the email
    row, the signature is not kept either, and nothing reaches the worker."""
    campaign = CampaignFactory()
    name = f"refuse_email_{os.getpid()}"  # this run's own: the database is shared
    db.session.execute(
        text(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.recipient = 'refused@example.org' THEN "
            "RAISE EXCEPTION 'no email rows today'; END IF; RETURN NEW; END $$"
        )
    )
    db.session.execute(
        text(
            f"CREATE TRIGGER {name} BEFORE INSERT ON outbound_emails "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    )
    db.session.commit()
    try:
        with pytest.raises(DBAPIError, match="no email rows today"):
            sign_petition(campaign, SignatureRequest("Ann", "refused@example.org", "20005"))
    finally:
        db.session.rollback()
        db.session.execute(text(f"DROP TRIGGER {name} ON outbound_emails"))
        db.session.execute(text(f"DROP FUNCTION {name}()"))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    assert outbox.relay(grace_seconds=0) == 0
    wait_until_worker_idle(services.REDIS_URL)
    assert mailbox.to("refused@example.org") == []


def test_the_worker_retries_a_temporary_refusal_with_backoff(worker_app, mailbox):
    email = queued_email("tempfail@example.org")
    dispatcher.dispatch([email])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.get(OutboundEmail, email.id)
        if row.attempts >= 2:
            break
        time.sleep(0.2)
    assert row.attempts >= 2  # first try, then the retry 2 s later
    assert row.status in (EmailStatus.QUEUED, EmailStatus.SENDING)
    assert row.last_error.startswith("451")


def test_after_a_surge_the_worker_sends_every_due_confirmation_once(worker_app, mailbox):
    """A transactional task sends its own row, then what else is due, in batches: sixty rows
    whose messages never reached the broker go out behind one message, each once."""
    rows = [queued_email(f"surge{n}@example.org") for n in range(60)]
    assert dispatcher.dispatch([rows[0]]) == 1  # one message for sixty rows (no beat, no relay)
    for n in range(60):
        mailbox.wait_for(f"surge{n}@example.org")
    for email in rows:
        wait_for_status(email.id, EmailStatus.SENT)
    wait_until_worker_idle(services.REDIS_URL)
    assert all(len(mailbox.to(f"surge{n}@example.org")) == 1 for n in range(60))
    attempts = db.session.scalars(select(OutboundEmail.attempts)).all()
    assert attempts == [1] * 60


def test_a_committed_row_is_handed_over_as_the_message_apply_async_sends(
    database, smtp_server, redis_server
):
    """The dispatcher builds the task message with Celery and puts it on the queue itself:
    what reaches Redis is what apply_async would have sent, but for its ids."""
    broker = redis.Redis.from_url(redis_server.url)
    for app in app_on_redis(database, smtp_server[0], redis_server.url):
        email = queued_email("parity@example.org")
        task = app.extensions["celery"].tasks[dispatcher.task_for(email.stream).name]
        task.apply_async(args=[email.id], argsrepr=str(email.id), kwargsrepr="{}")
        assert dispatcher.dispatch([email]) == 1
        another = queued_email("parity2@example.org")
        assert dispatcher.dispatch([another]) == 1
    assert broker.llen(task.queue) == 3
    celerys, ours, next_one = (json.loads(broker.rpop(task.queue)) for _ in range(3))
    assert ours["body"] == celerys["body"]  # the arguments
    assert ours["headers"]["id"] != celerys["headers"]["id"]
    # Each message has its own id (the task's, its root's, the reply's) and delivery tag.
    for message, row in ((ours, email), (next_one, another)):
        headers, properties = message["headers"], message["properties"]
        assert headers["id"] == headers["root_id"] == properties["correlation_id"]
        assert headers["argsrepr"] == str(row.id)
    assert next_one["headers"]["id"] != ours["headers"]["id"]
    assert next_one["properties"]["delivery_tag"] != ours["properties"]["delivery_tag"]
    assert next_one["body"] != ours["body"]
    assert ours["headers"]["task"] == task.name == "campaign.mail.tasks.send_transactional"
    assert without_ids(ours["headers"]) == without_ids(celerys["headers"])
    # apply_async also copies argsrepr and kwargsrepr into the properties; nothing reads them
    del celerys["properties"]["argsrepr"], celerys["properties"]["kwargsrepr"]
    assert without_ids(ours["properties"]) == without_ids(celerys["properties"])
    others = ("body", "headers", "properties")
    assert without(others, ours) == without(others, celerys)  # content type and encoding
    assert ours["properties"]["delivery_info"]["routing_key"] == "mail.transactional"


def without(keys: tuple[str, ...], part: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in part.items() if k not in keys}


def without_ids(part: dict[str, object]) -> dict[str, object]:
    return {
        k: v
        for k, v in part.items()
        if k not in {"id", "root_id", "correlation_id", "delivery_tag", "reply_to"}
    }
