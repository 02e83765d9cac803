"""Named locks across every process that shares the database."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

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
    with db.engine.connect() as conn:
        held = bool(conn.scalar(select(func.pg_try_advisory_lock(key))))
        try:
            yield held
        finally:
            # A connection that died took the lock with it.
            with suppress(DBAPIError):
                if held:
                    conn.scalar(select(func.pg_advisory_unlock(key)))
                conn.rollback()
