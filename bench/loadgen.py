"""A small HTTP/1.1 load generator on asyncio: a fixed number of requests over a fixed number
of keep-alive connections, so every response is accounted for (no requests cut off by a
timer). It prints nothing itself; bench/signing.py drives it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    statuses: Counter = field(default_factory=Counter)
    answers: dict[int, int] = field(default_factory=dict)  # request number -> status
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def _connection(
    host: str, port: int, make_request: Callable[[int], bytes], jobs: asyncio.Queue, result: Result
) -> None:
    reader = writer = None
    while True:
        try:
            n = jobs.get_nowait()
        except asyncio.QueueEmpty:
            break
        for _attempt in range(3):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                started = time.perf_counter()
                writer.write(make_request(n))
                status, headers, _ = await _read_response(reader)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] += 1
                result.answers[n] = status
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    writer = None
                break
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                if writer is not None:
                    writer.close()
                writer = None
        else:
            result.errors += 1
    if writer is not None:
        writer.close()


async def _run(
    host: str, port: int, make_request: Callable[[int], bytes], total: int, concurrency: int
) -> Result:
    jobs: asyncio.Queue = asyncio.Queue()
    for n in range(total):
        jobs.put_nowait(n)
    result = Result()
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, make_request, jobs, result) for _ in range(concurrency))
    )
    result.elapsed = time.perf_counter() - started
    return result


def run(
    host: str, port: int, make_request: Callable[[int], bytes], total: int, concurrency: int
) -> Result:
    """Send `total` requests built by make_request(n) over `concurrency` connections."""
    return asyncio.run(_run(host, port, make_request, total, concurrency))
