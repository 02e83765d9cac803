"""Telling a lost database connection from a statement that failed."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

# PostgreSQL's answers while it shuts down or starts up: admin_shutdown, crash_shutdown,
# cannot_connect_now. Class 08 is every other connection exception.
_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03"})


def connection_failed(exc: BaseException) -> bool:
    """True when the connection itself failed (the server restarted, went away or refused
    us), so the same work may succeed on a fresh connection; False for a statement the
    database refused (a constraint, a lock timeout, bad SQL)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in _UNAVAILABLE
    # libpq's own errors (refused, closed unexpectedly) carry no SQLSTATE.
    return isinstance(exc, OperationalError) and type(exc.orig).__module__.startswith("psycopg")
