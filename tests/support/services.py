"""Finding the real services the integration tests need, and what to do when they are absent:
skip with a clear message on a laptop, fail under CI."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require(name: str, url: str, default_port: int) -> None:
    if reachable(url, default_port):
        return
    message = (
        f"{name} is not reachable at {urlsplit(url).netloc}; integration tests need it "
        "(start it, or set TEST_DATABASE_URL / TEST_REDIS_URL)"
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_postgres() -> None:
    require("PostgreSQL", DATABASE_URL, 5432)


def require_redis() -> None:
    require("Redis", REDIS_URL, 6379)
