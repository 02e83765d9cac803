"""Load benchmark: gunicorn on PostgreSQL + Redis with a real Celery worker and an SMTP sink,
beside the bare stack (bench/floor.py: Flask on the same gunicorn settings, a fixed page and
one raw INSERT per signature), each round run against both in alternating slices.

Readers fetch a campaign page; signers post the petition form with a session cookie and CSRF
token, each with a unique email. Prints req/s, p50/p99 latency and the web processes' CPU per
request (utime + stime from /proc) for Chorus and the floor, and their ratios; then checks
that the signatures in the database equal the successful submissions, waits for the worker
to send every confirmation, once each, and prints how fast it drained them beside plain
smtplib's rate to the same sink. Not a test: it measures, it does not assert a speed.

    make bench                                   # defaults below
    BENCH_SIGNATURES=20000 BENCH_WORKERS=3 .venv/bin/python bench/signing.py
"""

from __future__ import annotations

import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
# The Celery worker's processes (one per CPU here; the Procfile's transactional worker has 4).
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKER_PROCESSES", str(os.cpu_count() or 1)))
SLICES = int(os.environ.get("BENCH_SLICES", "6"))  # per round, alternating (see side_by_side)
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


def chorus_env(database_url: str, **more: str) -> dict[str, str]:
    """The environment Chorus runs in under the bench."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "BASE_URL": "http://127.0.0.1",
        "SECRET_KEY": "bench-only-secret",
        # The load comes from this machine: its signatures are not held.
        "SIGN_LIMIT_ALLOW": "127.0.0.0/8",
        **more,
    }


def seed(env: dict[str, str]) -> None:
    """Chorus's tables and demo data in env's database, and the floor's table."""
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE floor_signatures (id bigserial PRIMARY KEY, full_name text, "
            "email text, postal_code text, created_at timestamptz DEFAULT now())"
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


def cpu_seconds(master: int) -> tuple[float, float]:
    """utime + stime, and stime alone, of a gunicorn master and its workers, from /proc
    (seconds)."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # the parent's pid
            pids.append(int(stat.parent.name))
    total = kernel = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        kernel += int(fields[12])
    tick = os.sysconf("SC_CLK_TCK")
    return total / tick, kernel / tick


@dataclass
class Round:
    result: loadgen.Result
    cpu_ms: float  # the web processes' CPU per request
    kernel_ms: float  # the part of it spent in the kernel (system calls: sockets)

    def line(self) -> str:
        return (
            f"{self.result.rate:7,.0f} req/s  p50 {self.result.percentile(0.5):5.1f} ms  "
            f"p99 {self.result.percentile(0.99):6.1f} ms  CPU {self.cpu_ms:5.2f} ms/req "
            f"({self.kernel_ms:.2f} in the kernel)"
        )


def measured(port: int, master: int, make_request, total: int, first: int = 0) -> Round:  # type: ignore[no-untyped-def]
    before, kernel_before = cpu_seconds(master)
    result = loadgen.run("127.0.0.1", port, lambda n: make_request(first + n), total, CONCURRENCY)
    after, kernel_after = cpu_seconds(master)
    served = max(1, len(result.latencies))
    kernel = kernel_after - kernel_before
    return Round(result, (after - before) * 1000 / served, kernel * 1000 / served)


def side_by_side(  # type: ignore[no-untyped-def]
    chorus: tuple[int, int], floor: tuple[int, int], make_request, total: int
) -> tuple[Round, Round]:
    """A round for Chorus and one for the floor (port, gunicorn master), run as SLICES
    alternating slices, ABBA (Chorus, floor, floor, Chorus, ...), so that a machine that
    speeds up or slows down mid-round weighs on both alike. Request numbers run on across
    slices; the floor's are its own (offset by 5,000,000)."""
    per_slice = max(1, total // SLICES)
    rounds: dict[str, list[Round]] = {"chorus": [], "floor": []}
    for i in range(SLICES):
        order = ("chorus", "floor") if i % 2 == 0 else ("floor", "chorus")
        for side in order:
            port, master = chorus if side == "chorus" else floor
            offset = 0 if side == "chorus" else 5_000_000
            rounds[side].append(
                measured(port, master, make_request, per_slice, offset + i * per_slice)
            )
    return merged(rounds["chorus"]), merged(rounds["floor"])


def merged(slices: list[Round]) -> Round:
    result = loadgen.Result()
    cpu = kernel = 0.0
    for part in slices:
        result.statuses.update(part.result.statuses)
        result.latencies.extend(part.result.latencies)
        result.elapsed += part.result.elapsed
        result.errors += part.result.errors
        cpu += part.cpu_ms * len(part.result.latencies)
        kernel += part.kernel_ms * len(part.result.latencies)
    served = max(1, len(result.latencies))
    return Round(result, cpu / served, kernel / served)


def compare(name: str, chorus: Round, floor: Round) -> tuple[float, float]:
    rate = chorus.result.rate / floor.result.rate if floor.result.rate else 0.0
    cpu = chorus.cpu_ms / floor.cpu_ms if floor.cpu_ms else 0.0
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(chorus.result.statuses.items()))
    print(f"{name:<15} Chorus {chorus.line()}  ({statuses}; errors {chorus.result.errors})")
    print(f"{'':<15} floor  {floor.line()}")
    print(f"{'':<15} Chorus/floor: {rate:.0%} of the rate, {cpu:.1f}x the CPU per request")
    return rate, cpu


def gunicorn(app: str, port: int, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "-w", str(WORKERS), "-k", WORKER_CLASS),
            *("--threads", str(THREADS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
            *extra,
            app,
        ],
        cwd=ROOT,
        env=env,
    )


def main() -> None:
    database_url = reset_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    smtp_port, web_port, floor_port = free_port(), free_port(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="chorus-bench-"))
    env = chorus_env(database_url, SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    seed(env)
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"),
                *("-c", "aiosmtpd.handlers.Sink"),
            ],
            cwd=ROOT,
            env=env,
        ),
        gunicorn("wsgi:app", web_port, env),
        # The worker runs at low priority: on this one machine it would otherwise take CPU
        # from the web tier being measured; it drains the backlog after the run (timed below).
        subprocess.Popen(
            [
                *("nice", "-n", "19", str(BIN / "celery"), "-A", "worker", "worker"),
                *("--loglevel=WARNING", "-Q", "mail.transactional,mail.bulk,default"),
                *(f"--concurrency={WORKER_PROCESSES}", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    try:
        wait_for_port(smtp_port)
        wait_for_port(web_port)
        page_file = folder / "page.html"
        page_file.write_text(fetch(web_port, f"/campaigns/{SLUG}"))
        floor_env = {**env, "FLOOR_PAGE": str(page_file), "FLOOR_DATABASE_URL": database_url}
        procs.append(gunicorn("floor:app", floor_port, floor_env, "--chdir", str(ROOT / "bench")))
        wait_for_port(floor_port)
        chorus_pid, floor_pid = procs[1].pid, procs[-1].pid
        print(
            f"gunicorn: {WORKERS} {WORKER_CLASS} workers x {THREADS} threads, for Chorus and "
            f"for the floor (Flask, a fixed page, one raw INSERT per signature); {CONCURRENCY} "
            f"client connections; {os.cpu_count()} CPUs shared by load generator, web, "
            "PostgreSQL, Redis and worker"
        )
        page = (f"GET /campaigns/{SLUG} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
        for port in (web_port, floor_port):
            loadgen.run("127.0.0.1", port, lambda n: page, 500, CONCURRENCY)  # warm up
        page_ratios, sign_ratios = [], []
        for round_ in range(1, ROUNDS + 1):
            checkpoint(database_url)
            chorus, floor = side_by_side(
                (web_port, chorus_pid), (floor_port, floor_pid), lambda n: page, PAGE_VIEWS
            )
            page_ratios.append(compare(f"page, round {round_}", chorus, floor))

        cookie, token = session_for(web_port)
        run_id = int(time.time())

        def sign_request(n: int) -> bytes:
            return signing_request(cookie, token, f"signer-{run_id}-{n}@example.org")

        accepted = floor_accepted = 0
        p99s = []
        for round_ in range(1, ROUNDS + 1):
            checkpoint(database_url)
            offset = round_ * 10_000_000
            chorus, floor = side_by_side(
                (web_port, chorus_pid),
                (floor_port, floor_pid),
                lambda n, offset=offset: sign_request(offset + n),
                SIGNATURES,
            )
            sign_ratios.append(compare(f"sign, round {round_}", chorus, floor))
            accepted += chorus.result.statuses.get(303, 0)
            floor_accepted += floor.result.statuses.get(303, 0)
            p99s.append(chorus.result.percentile(0.99))

        started = time.monotonic()  # the last submission's answer
        with psycopg.connect(database_url) as conn:
            # the bench's own signers (the demo data has signers of its own)
            rows = conn.execute(
                "SELECT count(*) FROM signatures WHERE full_name = 'Bench Signer'"
            ).fetchone()[0]
            floor_rows = conn.execute("SELECT count(*) FROM floor_signatures").fetchone()[0]
        verdict = "equal" if rows == accepted else "DIFFER"
        print(
            f"signatures in the database: {rows}; successful submissions: {accepted} "
            f"({verdict}); the floor's: {floor_rows} of {floor_accepted}"
        )
        print(f"count shown: {count_lag(web_port, database_url)}")
        with psycopg.connect(database_url, autocommit=True) as conn:
            while time.monotonic() - started < 600:
                left = conn.execute(
                    "SELECT count(*) FROM outbound_emails WHERE status <> 'sent'"
                ).fetchone()[0]
                if left == 0:
                    break
                time.sleep(1)
            sent, resends = conn.execute(
                "SELECT count(*), coalesce(sum(resends), 0) FROM outbound_emails "
                "WHERE template = 'signature_confirm' AND status = 'sent'"
            ).fetchone()
        drained = time.monotonic() - started
        once = "each once" if sent == accepted and resends == 0 else "NOT each once"
        print(
            f"confirmation emails: all sent {drained:.1f} s after the last submission "
            f"({left} left); {sent} sent, {resends} resent ({once})"
        )
        floor_mail = mail_floor(smtp_port)
        print(
            f"mail path: the worker sent {sent / max(drained, 0.001):,.0f} confirmations/s "
            f"after the surge; plain smtplib to the same sink, one connection: "
            f"{floor_mail:,.0f} messages/s"
        )
        print(
            "summary: page "
            + ", ".join(f"{r:.0%} of the floor's rate at {c:.1f}x its CPU" for r, c in page_ratios)
            + "; signing "
            + ", ".join(f"{r:.0%} at {c:.1f}x" for r, c in sign_ratios)
            + f"; signing p99 {', '.join(f'{p:.0f}' for p in p99s)} ms"
        )
    finally:
        stop_all(procs)


def shown_count(port: int) -> int:
    page = fetch(port, f"/campaigns/{SLUG}")
    return int(re.search(r"<strong>([\d,]+)</strong> signed", page).group(1).replace(",", ""))


def count_lag(port: int, database_url: str, confirmations: int = 100) -> str:
    """Confirm some of the bench's signatures (as the confirmation link does, in the
    database) and time how long until the campaign page shows them on a dozen reads in a
    row (the page cache is per web process)."""
    before = shown_count(port)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE signatures SET confirmed_at = now() WHERE id IN (SELECT id FROM signatures "
            "WHERE full_name = 'Bench Signer' AND confirmed_at IS NULL LIMIT %s)",
            (confirmations,),
        )
    started, in_a_row = time.monotonic(), 0
    while in_a_row < 12 and time.monotonic() - started < 60:
        in_a_row = in_a_row + 1 if shown_count(port) >= before + confirmations else 0
        time.sleep(0.05)
    return (
        f"{confirmations} confirmations shown on every read "
        f"{time.monotonic() - started:.1f} s after they were made"
    )


def mail_floor(smtp_port: int, messages: int = 3000) -> float:
    """The mail path's own speed: plain smtplib over one reused connection, sending messages
    the size of a confirmation to the same sink (messages/s)."""
    body = ("Please confirm your signature: http://127.0.0.1/confirm/" + "t" * 43 + "\r\n") * 30
    data = (
        "From: Chorus <chorus@example.org>\r\nTo: floor@example.org\r\n"
        "Subject: Confirm your signature\r\n\r\n" + body
    ).encode()
    with smtplib.SMTP("127.0.0.1", smtp_port) as conn:
        started = time.perf_counter()
        for i in range(messages):
            conn.sendmail("chorus@example.org", [f"floor{i}@example.org"], data)
        return messages / (time.perf_counter() - started)


def fetch(port: int, path: str) -> str:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data.split(b"\r\n\r\n", 1)[1].decode()


if __name__ == "__main__":
    main()
