"""Fault benchmark: a whole deployment under signing load while its services fail.

gunicorn, a Celery worker and beat run on a PostgreSQL cluster and a Redis server of their
own (started here in a temporary folder, so the machine's own are never touched), sending to
an SMTP server that counts every Message-ID. Signers post the petition without pause: one
round with no fault, the baseline of the same run, then one round each in which, two seconds
in, Redis is stopped for 15 s; PostgreSQL is restarted (`pg_ctl restart -m fast`);
PostgreSQL is stopped for 15 s; the worker is SIGKILLed and started again. Each round prints
the answers (never a 500 is the promise), whether every accepted signature was stored, how
long the emails took to go out after the round, how many arrived twice against the resends
the outbox counted, and whether the worker and beat are the processes they were. Not a
test: it reports, it does not assert.

    make bench-faults                  # BENCH_FAULT_SIGNATURES, BENCH_CONCURRENCY
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
import loadgen  # noqa: E402
from signing import flask, free_port, session_for, signing_request, wait_for_port  # noqa: E402

from tests.support.processes import (  # noqa: E402
    CeleryProcess,
    PostgresCluster,
    RedisServer,
)
from tests.support.smtp import start_smtp_server  # noqa: E402

SIGNATURES = int(os.environ.get("BENCH_FAULT_SIGNATURES", "6000"))  # per round
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
OUTAGE = 15.0
BIN = Path(sys.executable).parent
WORKER_ARGS = ("-Q", "mail.transactional,mail.bulk,default", "--concurrency=2")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="chorus-faults-"))
    postgres, redis_server = PostgresCluster(), RedisServer(folder)
    postgres.init()
    postgres.start()
    redis_server.start()
    smtp, mailbox = start_smtp_server()
    web_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "BASE_URL": "http://127.0.0.1",
        "SECRET_KEY": "bench-only-secret",
        # The load comes from this machine: its signatures are not held.
        "SIGN_LIMIT_ALLOW": "127.0.0.0/8",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    web = subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "-w", "3", "-k", "gthread", "--threads", "2"),
            *("-b", f"127.0.0.1:{web_port}", "--log-level", "warning", "wsgi:app"),
        ],
        cwd=ROOT,
        env=env,
        stderr=open(folder / "web.log", "wb"),  # noqa: SIM115
    )
    worker = CeleryProcess("worker", env, folder / "worker.log", *WORKER_ARGS)
    beat = CeleryProcess("beat", env, folder / "beat.log", "-s", str(folder / "beat-schedule"))
    try:
        wait_for_port(web_port)
        worker.start()
        beat.start()
        print(
            f"gunicorn 3 gthread x 2, worker concurrency 2, beat; {CONCURRENCY} connections, "
            f"{SIGNATURES} signatures a round; own PostgreSQL and Redis; {os.cpu_count()} CPUs"
        )
        cookie, token = session_for(web_port)

        def stop_redis() -> None:
            redis_server.stop()
            time.sleep(OUTAGE)
            redis_server.start()

        def stop_postgres() -> None:
            postgres.stop("fast")
            time.sleep(OUTAGE)
            postgres.start()

        def kill_worker() -> None:
            worker.kill()
            worker.start()

        rounds: list[tuple[str, Callable[[], None]]] = [
            ("no fault (the baseline)", lambda: None),
            ("Redis stopped 15 s", stop_redis),
            ("PostgreSQL restarted", lambda: postgres.restart("fast")),
            ("PostgreSQL stopped 15 s", stop_postgres),
            ("worker SIGKILLed", kill_worker),
        ]
        for number, (name, fault) in enumerate(rounds):
            pids = (worker.pid, beat.pid)
            signed = run_round(number, name, fault, web_port, cookie, token, postgres.url)
            drained = drain(postgres.url, since=signed)
            report(postgres.url, mailbox, drained)
            print(
                f"  worker {'the same process' if worker.pid == pids[0] else 'replaced'}, "
                f"beat {'the same process' if beat.pid == pids[1] else 'replaced'}"
            )
    finally:
        for proc in (worker, beat):
            proc.stop()
        web.terminate()
        web.wait(timeout=20)
        smtp.stop()
        redis_server.stop()
        postgres.remove()


def run_round(
    number: int,
    name: str,
    fault: Callable[[], None],
    port: int,
    cookie: str,
    token: str,
    database_url: str,
) -> float:
    """Sign without pause; two seconds in, the fault. Returns when the load and the fault
    are both over (time.monotonic())."""
    run_id = f"{int(time.time())}-{number}"

    def sign_request(n: int) -> bytes:
        return signing_request(cookie, token, f"faults-{run_id}-{n}@example.org")

    timer = threading.Timer(2.0, fault)
    timer.start()
    result = loadgen.run("127.0.0.1", port, sign_request, SIGNATURES, CONCURRENCY)
    timer.join()
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
    print(
        f"\nround {number}, {name}: {len(result.latencies)} requests in "
        f"{result.elapsed:.1f} s ({result.rate:.0f}/s; {statuses}; "
        f"connection errors {result.errors}; p99 {result.percentile(0.99):.0f} ms)"
    )
    accepted = {f"faults-{run_id}-{n}@example.org" for n, s in result.answers.items() if s == 303}
    stored = stored_emails(database_url, f"faults-{run_id}-%")
    print(
        f"  accepted {len(accepted)}, stored {len(stored)}, accepted but not stored "
        f"{len(accepted - stored)}"
    )
    return time.monotonic()


def stored_emails(database_url: str, pattern: str) -> set[str]:
    while True:
        try:
            with psycopg.connect(database_url) as conn:
                rows = conn.execute(
                    "SELECT email FROM signatures WHERE email LIKE %s", (pattern,)
                ).fetchall()
            return {row[0] for row in rows}
        except psycopg.OperationalError:
            time.sleep(0.5)  # still starting after the round's fault


def drain(database_url: str, since: float, timeout: float = 600) -> float:
    """Seconds from `since` until no email is queued or sending."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() - since < timeout:
            left = conn.execute(
                "SELECT count(*) FROM outbound_emails WHERE status IN ('queued', 'sending')"
            ).fetchone()[0]
            if left == 0:
                break
            time.sleep(0.5)
    return time.monotonic() - since


def report(database_url: str, mailbox, drained: float) -> None:  # type: ignore[no-untyped-def]
    """Counts over the whole run so far."""
    copies = mailbox.copies()
    with psycopg.connect(database_url) as conn:
        rows, sent, resends = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'sent'), coalesce(sum(resends), 0) "
            "FROM outbound_emails"
        ).fetchone()
    twice = sum(n - 1 for n in copies.values() if n > 1)
    print(
        f"  emails: {rows} rows, {sent} sent, {len(copies)} distinct Message-IDs received; "
        f"all out {drained:.0f} s after the round; {twice} extra copies, {resends} resends "
        f"counted by the outbox"
    )


if __name__ == "__main__":
    main()
