"""Faults in a running deployment: Redis and PostgreSQL stopped and started again under
load, a worker killed mid-delivery. Each test runs its own services (its own Redis process,
its own PostgreSQL cluster), a real worker and beat, and the SMTP server; afterwards every
email goes out once (more only where the SMTP answer was lost, and then counted), and no
process had to be restarted by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, current_app
from sqlalchemy import func, select

from campaign.campaigns.models import Signature
from campaign.core.audit import Actor
from campaign.deliveries import letters as letter_deliveries
from campaign.extensions import db
from campaign.mail import dispatcher
from campaign.mail.models import EmailStatus, OutboundEmail
from campaign.mail.outbox import message_key
from tests.conftest import csrf_token, migrate
from tests.support.deployment import Deployment, deployed
from tests.support.factories import AccountFactory, CampaignFactory, TargetFactory, queued_email
from tests.support.letters import co_signed_by, open_letter
from tests.support.processes import PostgresCluster, wait_until
from tests.support.web import sign

OUTAGE_SECONDS = 15


@pytest.fixture
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        migrate(cluster.url.replace("postgresql://", "postgresql+psycopg://", 1))
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def on_own_redis(redis_server, database, smtp_server, mailbox, tmp_path) -> Iterator[Deployment]:
    yield from deployed(tmp_path, database, redis_server.url, smtp_server[0])


@pytest.fixture
def on_own_postgres(postgres, redis_server, smtp_server, mailbox, tmp_path) -> Iterator[Deployment]:
    url = postgres.url.replace("postgresql://", "postgresql+psycopg://", 1)
    yield from deployed(tmp_path, url, redis_server.url, smtp_server[0])


def all_sent(timeout: float, but: int = 0) -> list[OutboundEmail]:
    """Wait until no email row (but the one whose id is `but`) is queued or sending; return
    those rows."""
    others = OutboundEmail.id != but

    def settled() -> bool:
        db.session.rollback()
        pending = db.session.scalar(
            select(func.count())
            .select_from(OutboundEmail)
            .where(others, OutboundEmail.status.in_([EmailStatus.QUEUED, EmailStatus.SENDING]))
        )
        return pending == 0

    wait_until(settled, timeout, "emails were still waiting", interval=0.5)
    return list(db.session.scalars(select(OutboundEmail).where(others)))


def assert_each_sent_once(rows: list[OutboundEmail], copies: dict[str, int]) -> int:
    """Every row sent and each message arrived once, or more only for a resend after a lost
    answer (counted on the row). Returns how many resends there were."""
    assert rows and all(row.status == EmailStatus.SENT for row in rows)
    assert len(copies) == len(rows)
    for row in rows:
        [arrived] = [n for mid, n in copies.items() if mid.startswith(f"<{message_key(row)}@")]
        assert 1 <= arrived <= 1 + row.resends, (row.id, arrived, row.resends)
    return sum(row.resends for row in rows)


def deliverable_letter(targets: int) -> int:
    letter = open_letter(targets=[TargetFactory() for _ in range(targets)])
    co_signed_by(letter, "Hope Network", "ana@hope.example.org")
    return letter.id


def attempts(email_id: int) -> int:
    db.session.rollback()
    return db.session.get(OutboundEmail, email_id).attempts


@pytest.mark.timeout(300)
def test_redis_stopped_under_load_every_email_goes_out_once_and_no_process_exits(
    on_own_redis, redis_server, mailbox
):
    deployment = on_own_redis
    pids = deployment.pids()
    client = current_app.test_client()
    campaign = CampaignFactory()
    coordinator = AccountFactory()
    letter_id = deliverable_letter(targets=12)
    # Beat has been running a while: it has sent due tasks before the outage.
    wait_until(lambda: "Sending due task" in deployment.beat.log(), 15, "beat sent nothing")
    for i in range(5):
        assert sign(client, campaign, email=f"before{i}@example.org").status_code == 303
    retrying = queued_email("tempfail@example.org")  # waits in the worker between tries
    dispatcher.dispatch([retrying])
    all_sent(timeout=15, but=retrying.id)
    wait_until(lambda: attempts(retrying.id) >= 2, 15, "the temporary failure was not retried")
    # The worker holds late-acked tasks, a retry it waits to run and a send in progress,
    # while it waits on Redis for more: what made kombu 5.7.0 end the worker.
    mailbox.delay = 3.0
    assert sign(client, campaign, email="in-progress@example.org").status_code == 303
    mailbox.wait_for("in-progress@example.org")
    mailbox.delay = 0.0

    redis_server.stop()
    outage_ends = time.monotonic() + OUTAGE_SECONDS
    assert client.get("/healthz").json["broker"].startswith("error")
    for i in range(10):
        assert sign(client, campaign, email=f"during{i}@example.org").status_code == 303
    letter_deliveries.deliver_letter(Actor(coordinator.id), letter_id)
    time.sleep(max(0.0, outage_ends - time.monotonic()))
    assert client.get("/healthz").json["broker"].startswith("error")
    tries_in_outage = attempts(retrying.id)
    redis_server.start()  # on the same port, and empty: every message it held is gone

    rows = all_sent(timeout=60, but=retrying.id)
    assert len(rows) == 5 + 1 + 10 + 12 + 1  # confirmations, outreach, the co-signer told
    assert assert_each_sent_once(rows, mailbox.copies()) == 0
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 16
    wait_until(lambda: attempts(retrying.id) > tries_in_outage, 60, "retries did not start again")
    assert deployment.pids() == pids
    log = deployment.worker.log()
    assert "Unrecoverable" not in log
    assert log.count("Connection to broker lost") == 1
    assert log.count("Cannot connect to") <= 1  # said once (if at all), not at every retry
    assert log.count("the broker is back") == 1  # at WARNING: seen at Celery's default level
    assert "cancels all currently executed tasks" not in log
    beat = deployment.beat.log()
    assert beat.count("beat: the broker is unreachable") == 1
    assert beat.count("beat: the broker is back") == 1
    assert "Message Error" not in beat and "Traceback" not in beat


class Signers:
    """Threads signing the petition without pause, each as its own visitor, keeping every
    answer: (email, status code, Retry-After)."""

    def __init__(self, app: Flask, slug: str, threads: int = 4) -> None:
        self.app = app
        self.slug = slug
        self.answers: list[tuple[str, int, str | None]] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._sign, args=(n,), daemon=True) for n in range(threads)
        ]

    def _sign(self, n: int) -> None:
        client = self.app.test_client()
        token = csrf_token(client, f"/campaigns/{self.slug}")
        i = 0
        while not self._stop.is_set():
            email = f"load{n}.{i}@example.org"
            try:
                response = client.post(
                    f"/campaigns/{self.slug}/sign",
                    data={
                        "csrf_token": token,
                        "full_name": "Ann Lee",
                        "email": email,
                        "postal_code": "20005",
                    },
                )
            except Exception:  # what escaped every handler: a 500 for a real visitor
                self.answers.append((email, 500, None))
            else:
                retry_after = response.headers.get("Retry-After")
                self.answers.append((email, response.status_code, retry_after))
            i += 1
            time.sleep(0.02)

    def __enter__(self) -> Signers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def count(self, status: int) -> int:
        return sum(1 for _, code, _ in self.answers if code == status)


@pytest.mark.timeout(300)
def test_postgres_restarted_and_stopped_under_load_no_500_and_nothing_lost(
    on_own_postgres, postgres, mailbox
):
    deployment = on_own_postgres
    pids = deployment.pids()
    campaign = CampaignFactory()
    coordinator = AccountFactory()
    letter_id = deliverable_letter(targets=12)
    db.session.remove()

    with Signers(current_app._get_current_object(), campaign.slug) as signers:
        time.sleep(2)
        before = len(signers.answers)
        postgres.restart("fast")
        time.sleep(2)
        restart_window = signers.answers[before:]

        mailbox.delay = 0.3  # the worker is in the middle of the delivery when PostgreSQL stops
        letter_deliveries.deliver_letter(Actor(coordinator.id), letter_id)
        db.session.remove()
        wait_until(lambda: len(mailbox.messages) >= 2, 15, "the delivery did not start")
        postgres.stop("fast")
        stopped_at = len(signers.answers)
        health = current_app.test_client().get("/healthz")
        assert health.status_code == 503 and health.json["database"].startswith("error")
        time.sleep(OUTAGE_SECONDS)
        postgres.start()
        mailbox.delay = 0.0
        during_stop = signers.answers[stopped_at:]
        time.sleep(2)

    codes = {code for _, code, _ in signers.answers}
    assert codes <= {303, 503}, codes  # never a 500
    assert all(retry_after for _, code, retry_after in signers.answers if code == 503)
    assert any(code == 503 for _, code, _ in during_stop)
    assert restart_window and restart_window[-1][1] == 303  # the web tier carried on
    print(
        f"\n{len(signers.answers)} signing requests; across the restart "
        f"{sum(1 for _, c, _ in restart_window if c == 503)} of {len(restart_window)} got 503; "
        f"while stopped {sum(1 for _, c, _ in during_stop if c == 503)} of {len(during_stop)}"
    )
    accepted = {email for email, code, _ in signers.answers if code == 303}
    stored = set(db.session.scalars(select(Signature.email)))
    assert accepted <= stored  # every signer told "check your email" was kept

    rows = all_sent(timeout=60)
    resends = assert_each_sent_once(rows, mailbox.copies())
    print(f"{len(rows)} emails sent, {resends} resent after a lost answer")
    assert deployment.pids() == pids


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_delivery_is_replaced_and_every_target_is_mailed(on_own_redis, mailbox):
    deployment = on_own_redis
    coordinator = AccountFactory()
    letter_id = deliverable_letter(targets=20)
    mailbox.delay = 0.5  # a kill lands while the server holds a message it has accepted
    letter_deliveries.deliver_letter(Actor(coordinator.id), letter_id)
    wait_until(lambda: len(mailbox.messages) >= 4, 30, "the delivery did not start")
    killed_at = time.monotonic()
    deployment.worker.kill()
    mailbox.delay = 0.0
    deployment.worker.start()

    rows = all_sent(timeout=180)
    took = time.monotonic() - killed_at
    resends = assert_each_sent_once(rows, mailbox.copies())
    assert len(rows) == 20 + 1
    assert resends >= 1  # the rows the killed worker held came back through their lease
    print(f"\nall {len(rows)} emails sent {took:.0f} s after the kill; {resends} resent")
