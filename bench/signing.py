"""Load benchmark: gunicorn on PostgreSQL + Redis with a real Celery worker and an SMTP sink.

Readers fetch a campaign page; signers post the petition form with a session cookie and CSRF
token, each with a unique email. Prints req/s and p50/p99 latency for both, then checks that
the signatures in the database equal the successful submissions and waits for the worker to
send every confirmation. Not a test: it measures, it does not assert a speed.

    make bench                                   # defaults below
    BENCH_SIGNATURES=20000 BENCH_WORKERS=3 .venv/bin/python bench/signing.py
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_DB = os.environ.get("BENCH_ADMIN_DB", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "chorus_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SIGNATURES = int(os.environ.get("BENCH_SIGNATURES", "5000"))  # per round
PAGE_VIEWS = int(os.environ.get("BENCH_PAGE_VIEWS", "10000"))  # per round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
SLUG = "double-mental-health-research"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask every process to stop; kill those still running 20 s later."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def reset_database() -> str:
    with psycopg.connect(ADMIN_DB, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return ADMIN_DB.rsplit("/", 1)[0] + f"/{DB_NAME}"


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def session_for(port: int) -> tuple[str, str]:
    """A browser's first visit: the session cookie and the form's CSRF token."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(
            f"GET /campaigns/{SLUG} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    text = data.decode()
    cookie = re.search(r"Set-Cookie: (session=[^;]+)", text, re.I).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    return cookie, token


def signing_request(cookie: str, token: str, email: str) -> bytes:
    """The petition form's POST as a browser with that session sends it."""
    body = (
        f"csrf_token={token}&full_name=Bench+Signer&email={email.replace('@', '%40')}"
        "&postal_code=20005"
    ).encode()
    return (
        f"POST /campaigns/{SLUG}/sign HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def checkpoint(database_url: str) -> None:
    """Start each round from a quiet database: no checkpoint or vacuum due mid-round."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def report(name: str, result: loadgen.Result) -> None:
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
    print(
        f"{name:<16} {len(result.latencies):>7} requests in {result.elapsed:6.2f} s  "
        f"{result.rate:8.0f} req/s  p50 {result.percentile(0.5):6.1f} ms  "
        f"p99 {result.percentile(0.99):6.1f} ms  ({statuses}; errors {result.errors})"
    )


def main() -> None:
    database_url = reset_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    smtp_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "BASE_URL": "http://127.0.0.1",
        "SECRET_KEY": "bench-only-secret",
        # The load comes from this machine: its signatures are not held.
        "SIGN_LIMIT_ALLOW": "127.0.0.0/8",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{smtp_port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(WORKERS),
                "-k",
                WORKER_CLASS,
                "--threads",
                str(THREADS),
                "-b",
                f"127.0.0.1:{web_port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        ),
        # The worker runs at low priority: on this one machine it would otherwise take CPU
        # from the web tier being measured; it drains the backlog after the run (timed below).
        subprocess.Popen(
            [
                "nice",
                "-n",
                "19",
                str(BIN / "celery"),
                "-A",
                "worker",
                "worker",
                "--loglevel=WARNING",
                "-Q",
                "mail.transactional,mail.bulk,default",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    try:
        wait_for_port(smtp_port)
        wait_for_port(web_port)
        print(
            f"gunicorn: {WORKERS} {WORKER_CLASS} workers x {THREADS} threads; "
            f"{CONCURRENCY} client "
            f"connections; {os.cpu_count()} CPUs shared by load generator, web, "
            "PostgreSQL, Redis and worker"
        )
        page = (f"GET /campaigns/{SLUG} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
        loadgen.run("127.0.0.1", web_port, lambda n: page, 500, CONCURRENCY)  # warm up
        for round_ in range(1, ROUNDS + 1):
            checkpoint(database_url)
            reads = loadgen.run("127.0.0.1", web_port, lambda n: page, PAGE_VIEWS, CONCURRENCY)
            report(f"page, round {round_}", reads)

        cookie, token = session_for(web_port)
        run_id = int(time.time())

        def sign_request(n: int) -> bytes:
            return signing_request(cookie, token, f"signer-{run_id}-{n}@example.org")

        accepted = 0
        for round_ in range(1, ROUNDS + 1):
            checkpoint(database_url)
            offset = round_ * 10_000_000
            signs = loadgen.run(
                "127.0.0.1",
                web_port,
                lambda n, offset=offset: sign_request(offset + n),
                SIGNATURES,
                CONCURRENCY,
            )
            report(f"sign, round {round_}", signs)
            accepted += signs.statuses.get(303, 0)

        with psycopg.connect(database_url) as conn:
            # the bench's own signers (the demo data has signers of its own)
            rows = conn.execute(
                "SELECT count(*) FROM signatures WHERE full_name = 'Bench Signer'"
            ).fetchone()[0]
        verdict = "equal" if rows == accepted else "DIFFER"
        print(f"signatures in the database: {rows}; successful submissions: {accepted} ({verdict})")
        started = time.monotonic()
        with psycopg.connect(database_url, autocommit=True) as conn:
            while time.monotonic() - started < 600:
                left = conn.execute(
                    "SELECT count(*) FROM outbound_emails WHERE status <> 'sent'"
                ).fetchone()[0]
                if left == 0:
                    break
                time.sleep(1)
        print(
            f"confirmation emails: all sent {time.monotonic() - started:.1f} s after the "
            f"last submission ({left} left)"
        )
    finally:
        stop_all(procs)


if __name__ == "__main__":
    main()
