"""Services and Celery processes that a test starts, stops, kills and starts again itself:
a Redis server, a PostgreSQL cluster in a temporary folder, a worker, beat. Stopping them
disturbs nothing else on the machine."""

from __future__ import annotations

import contextlib
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    """A free port below the kernel's range for outgoing connections, so that while the
    test's service is stopped no client connection can take its port."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(20000, min(low, 30000)), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def _missing(what: str) -> None:
    message = f"{what}; the fault tests start their own"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def wait_until(condition, timeout: float, what: str, interval: float = 0.1) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} (waited {timeout:.0f} s)")
        time.sleep(interval)


class RedisServer:
    """redis-server on a port of its own, in the foreground of a child process."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            _missing("redis-server is not installed")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                *(str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self.answers, 10, "the test's Redis did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


class PostgresCluster:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, a free port), run as
    the postgres user when the tests run as root, since the server refuses root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        pg_ctl = found[-1] if found else shutil.which("pg_ctl")
        if pg_ctl is None:
            _missing("PostgreSQL's pg_ctl and initdb are not installed")
        self.bin = Path(str(pg_ctl)).parent
        self.folder = Path(tempfile.mkdtemp(prefix="chorus-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    @property
    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100"
        )

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            self._options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-m",
            mode,
            "-o",
            self._options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "restart",
        )

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class CeleryProcess:
    """`celery -A worker worker` or `celery -A worker beat`, as an operator starts them, in a
    process group of its own so that a kill takes its pool processes too."""

    def __init__(self, kind: str, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.kind = kind
        self.env = env
        self.log_path = log_path
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 30) -> None:
        offset = len(self.log())
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker",
                self.kind,
                "--loglevel=INFO",
                *self.args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        ready = "ready." if self.kind == "worker" else "beat: Starting..."
        try:
            wait_until(
                lambda: ready in self.log()[offset:] or not self.alive(),
                timeout,
                f"celery {self.kind} did not start",
            )
        finally:
            if not self.alive():
                raise RuntimeError(f"celery {self.kind} exited; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the whole process group: a machine that died, not a shutdown."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until_worker_idle(redis_url: str, timeout: float = 15.0) -> None:
    """Wait until every task handed to the broker has run to its end: the queues are empty
    and no message is held unacknowledged (mail tasks are acknowledged when they finish)."""
    import redis

    broker = redis.Redis.from_url(redis_url)

    def idle_now() -> bool:
        queued = sum(broker.llen(q) for q in ("mail.transactional", "mail.bulk", "default"))
        return queued == 0 and broker.hlen("unacked") == 0

    # Seen idle several times running: a message taken from a queue is recorded as
    # unacknowledged a moment later, and an idle glimpse in between is not the end.
    seen: list[bool] = []

    def idle() -> bool:
        seen.append(idle_now())
        return len(seen) >= 4 and all(seen[-4:])

    wait_until(idle, timeout, "the worker never finished its tasks", interval=0.05)
