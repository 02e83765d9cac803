"""A deployment as an operator runs it: a Celery worker and beat on a database and a Redis of
the test's choosing, with the app as the test's context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from campaign import config
from tests.conftest import WORKER_ARGS, in_context, make_app
from tests.support.processes import CeleryProcess


class Deployment:
    """A worker and beat as an operator runs them, on the given database and Redis."""

    def __init__(self, folder: Path, database_url: str, redis_url: str, smtp_url: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMTP_URL": smtp_url,
            "BASE_URL": "http://chorus.test",
        }
        self.worker = CeleryProcess(
            "worker", env, folder / "worker.log", *WORKER_ARGS, "--hostname=faults@%h"
        )
        self.beat = CeleryProcess(
            "beat", env, folder / "beat.log", "-s", str(folder / "beat-schedule")
        )

    def start(self) -> None:
        self.worker.start()
        self.beat.start()

    def stop(self) -> None:
        self.worker.stop()
        self.beat.stop()

    def pids(self) -> tuple[int, int]:
        assert self.worker.alive() and self.beat.alive()
        return self.worker.pid, self.beat.pid


def deployed(
    folder: Path, database_url: str, redis_url: str, smtp_url: str
) -> Iterator[Deployment]:
    """The app (as the test's context) and a worker and beat, all on database_url and
    redis_url."""
    deployment = Deployment(folder, database_url, redis_url, smtp_url)
    settings = config.celery_settings(redis_url)
    for _ in in_context(make_app(database_url, smtp_url, REDIS_URL=redis_url, CELERY=settings)):
        deployment.start()
        yield deployment
        deployment.stop()
