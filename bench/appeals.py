"""Appeal throughput benchmark: one appeal to BENCH_RECIPIENTS subscribed contacts, sent by real
Celery workers on Redis and PostgreSQL to an SMTP sink (aiosmtpd, its own process), as the
Procfile deploys them (a bulk worker, and a transactional worker for confirmations).

In the same run it measures the floor: plain smtplib sending the same messages (rendered by
Chorus beforehand) to the same sink over one reused connection. While the appeal sends, people
sign the petition through gunicorn; the bench times each confirmation email from the signing
answer to its arrival at the sink. Prints the time to deliver all, msg/s, the ratio to the
floor, and confirmation p50/p95. Not a test: it measures, it does not assert a speed.

    make bench-appeals
    BENCH_RECIPIENTS=20000 BENCH_BULK_CONCURRENCY=3 .venv/bin/python bench/appeals.py
"""

from __future__ import annotations

import http.client
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from signing import SLUG, flask, free_port, stop_all, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ADMIN_DB = os.environ.get("BENCH_ADMIN_DB", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "chorus_bench_appeals"
REDIS_URL = os.environ.get("BENCH_APPEALS_REDIS_URL", "redis://127.0.0.1:6379/13")
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "100000"))
FLOOR_MESSAGES = int(os.environ.get("BENCH_FLOOR_MESSAGES", "20000"))
BULK_CONCURRENCY = int(os.environ.get("BENCH_BULK_CONCURRENCY", "2"))
SIGN_EVERY = float(os.environ.get("BENCH_SIGN_EVERY", "0.5"))  # seconds between signers


def reset_database() -> str:
    with psycopg.connect(ADMIN_DB, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return ADMIN_DB.rsplit("/", 1)[0] + f"/{DB_NAME}"


def add_contacts(database_url: str, n: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO contacts (email, email_normalized, full_name, postal_code, state,
                                  subscription, created_at, updated_at)
            SELECT 'reader' || g || '@example.org', 'reader' || g || '@example.org',
                   'Reader ' || g, '20005', 'DC', 'subscribed', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            (n,),
        )
        conn.execute("VACUUM ANALYZE contacts")
        conn.execute("CHECKPOINT")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


class Signers(threading.Thread):
    """People signing the petition through the web tier while the appeal sends."""

    def __init__(self, port: int, run_id: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.run_id = run_id
        self.submitted: dict[str, float] = {}
        self.failed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            email = f"signer-{self.run_id}-{n}@example.org"
            try:
                if self._sign(email):
                    self.submitted[email] = time.time()
                else:
                    self.failed += 1
            except OSError:
                self.failed += 1
            self.stop.wait(SIGN_EVERY)

    def _sign(self, email: str) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", f"/campaigns/{SLUG}")
        page = conn.getresponse()
        html = page.read().decode()
        cookie = re.search(r"(session=[^;]+)", page.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body = f"csrf_token={token}&full_name=Bench+Signer&email={quote(email)}&postal_code=20005"
        conn.request(
            "POST",
            f"/campaigns/{SLUG}/sign",
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = conn.getresponse()
        answer.read()
        conn.close()
        return answer.status == 303


def arrivals(log_path: Path) -> dict[str, float]:
    found = {}
    for line in log_path.read_text().splitlines():
        stamp, rcpt = line.split(" ", 1)
        found.setdefault(rcpt, float(stamp))
    return found


def floor_rate(app, smtp_port: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Plain smtplib over one reused connection, sending messages Chorus rendered."""
    from campaign.appeals.emails import appeal_context, message_key
    from campaign.appeals.models import Appeal
    from campaign.extensions import db
    from campaign.mail import rendering

    with app.app_context():
        appeal = db.session.get(Appeal, 1)
        context = appeal_context(appeal)
        messages = []
        for i in range(1, FLOOR_MESSAGES + 1):
            address = f"floor{i}@example.org"
            message = rendering.build_message(
                "appeal",
                address,
                {**context, "full_name": f"Reader {i}"},
                message_key=message_key(10_000_000 + i),
                bulk=True,
            )
            messages.append((str(message["From"]), address, rendering.as_bytes(message)))
    size = sum(len(m[2]) for m in messages) // len(messages)
    conn = smtplib.SMTP("127.0.0.1", smtp_port)
    started = time.perf_counter()
    for sender, to, data in messages:
        conn.sendmail(sender, [to], data)
    took = time.perf_counter() - started
    conn.quit()
    return len(messages) / took, size


def main() -> None:
    database_url = reset_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    smtp_port, web_port = free_port(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="chorus-bench-appeals-"))
    sink_log = folder / "arrivals.log"
    sink_log.touch()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "BASE_URL": "https://chorus.example.org",
        "SECRET_KEY": "bench-only-secret",
        "SIGN_LIMIT_ALLOW": "127.0.0.0/8",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    add_contacts(database_url, RECIPIENTS)
    os.environ.update(env)
    from sqlalchemy import select

    from campaign import create_app
    from campaign.accounts.services import account_by_email
    from campaign.appeals import composing, sending
    from campaign.appeals.audiences import count
    from campaign.appeals.models import Appeal, Audience
    from campaign.campaigns.models import Campaign
    from campaign.core.audit import Actor
    from campaign.demo import DEMO_COORDINATOR
    from campaign.extensions import db

    app = create_app()
    with app.app_context():
        actor = Actor(account_by_email(DEMO_COORDINATOR).id)
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.slug == SLUG))
        appeal = composing.create_appeal(
            actor,
            composing.AppealDraft(
                audience=Audience.SUPPORTERS,
                subject="Congress votes on research funding next week",
                body=(
                    "Dear friend,\n\nThe appropriations committee meets **next Tuesday**. "
                    "Every signature tells them that mental health research matters.\n\n"
                    "- It takes a minute.\n- Your name is never shown unless you ask.\n"
                ),
                campaign_id=campaign_id,
            ),
        )
        appeal_id = appeal.id
        audience = count(composing.audience_of(appeal))
        # The demo's own signers who asked for updates are contacts too.

    def worker(name: str, queues: str, concurrency: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "worker",
                "worker",
                "--loglevel=WARNING",
                "-Q",
                queues,
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
        )

    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "sink.py"), str(smtp_port), str(sink_log)],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "2"),
                *("-b", f"127.0.0.1:{web_port}", "--log-level", "warning", "wsgi:app"),
            ],
            cwd=ROOT,
            env=env,
        ),
        worker("transactional", "mail.transactional", 1),
        worker("bulk", "mail.bulk,default", BULK_CONCURRENCY),
    ]
    try:
        wait_for_port(smtp_port)
        wait_for_port(web_port)
        time.sleep(3)  # the workers connect to the broker
        print(
            f"{os.cpu_count()} CPUs shared by the sink, PostgreSQL, Redis, gunicorn and the "
            f"workers (bulk: {BULK_CONCURRENCY} processes; transactional: 1)"
        )
        floor, size = floor_rate(app, smtp_port)
        print(
            f"floor: smtplib, one reused connection: {FLOOR_MESSAGES:,} messages of "
            f"{size:,} bytes at {floor:,.0f} msg/s"
        )

        signers = Signers(web_port, int(time.time()))
        with app.app_context():
            started = time.monotonic()
            sending.schedule(actor, appeal_id, None)
        signers.start()
        last_print = started
        with psycopg.connect(database_url, autocommit=True) as conn:
            while True:
                status, sent = conn.execute(
                    "SELECT a.status, (SELECT count(*) FROM appeal_messages m "
                    "WHERE m.appeal_id = a.id AND m.status = 'sent') FROM appeals a "
                    "WHERE a.id = %s",
                    (appeal_id,),
                ).fetchone()
                if status in ("sent", "paused", "cancelled"):
                    break
                if time.monotonic() - last_print > 15:
                    last_print = time.monotonic()
                    print(f"  {time.monotonic() - started:5.0f} s: {sent:,} sent")
                if time.monotonic() - started > 1200:
                    print("  gave up waiting after 20 minutes")
                    break
                time.sleep(0.5)
            took = time.monotonic() - started
            signers.stop.set()
            row = conn.execute(
                "SELECT recipients, extract(epoch FROM finished_at - started_at), "
                "(SELECT count(*) FROM appeal_messages WHERE appeal_id = %s AND status = 'sent'),"
                "(SELECT count(*) FROM appeal_messages WHERE appeal_id = %s AND status <> 'sent')"
                " FROM appeals WHERE id = %s",
                (appeal_id, appeal_id, appeal_id),
            ).fetchone()
        recipients, sending_seconds, sent, unsent = row
        rate = sent / took
        print(
            f"appeal: {recipients:,} recipients (audience {audience:,}); status {status}; "
            f"{sent:,} sent, {unsent:,} not; all delivered {took:.1f} s after 'send now' "
            f"({float(sending_seconds or 0):.1f} s from the start of sending)"
        )
        print(f"appeal: {rate:,.0f} msg/s = {rate / floor:.0%} of the floor ({floor:,.0f} msg/s)")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            got = arrivals(sink_log)
            if all(email in got for email in signers.submitted):
                break
            time.sleep(0.5)
        got = arrivals(sink_log)
        latencies = [got[e] - t for e, t in signers.submitted.items() if e in got]
        missing = len(signers.submitted) - len(latencies)
        print(
            f"confirmations during the blast: {len(signers.submitted)} signers "
            f"({signers.failed} refused or failed); p50 {percentile(latencies, 0.5):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies, default=0):.2f} s; "
            f"{missing} not arrived"
        )
        with app.app_context():
            final = db.session.get(Appeal, appeal_id)
            print(f"appeal status at the end: {final.status.value}")
    finally:
        stop_all(procs)


if __name__ == "__main__":
    main()
