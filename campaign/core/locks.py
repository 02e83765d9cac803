"""Named locks across every process that shares the database."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from campaign.extensions import db


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Try to hold the lock `name` for the block; yields False at once when another
    process holds it. On PostgreSQL an advisory lock on a connection of its own, so the
    caller may commit inside the block and a process that dies releases it; elsewhere
    (the embedded SQLite default: one process) always True."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        held = bool(conn.scalar(select(func.pg_try_advisory_lock(key))))
        try:
            yield held
        finally:
            if held:
                try:
                    conn.scalar(select(func.pg_advisory_unlock(key)))
                except DBAPIError:
                    # Never hand a connection that may still hold the lock back to the pool:
                    # closing it releases the lock (so does a connection that died).
                    conn.invalidate()
