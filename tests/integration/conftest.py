"""Fixtures of the integration tests that start services of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own, which it may stop and start."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
