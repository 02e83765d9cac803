"""Database helpers every feature shares: UTC timestamps, enum columns, a free slug, a row
locked for a decision, a connection whose statements commit as they run, and telling a
lost connection from a refused statement."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Boolean, ColumnElement, Connection, DateTime, Enum, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from campaign.extensions import Base, db

# Every model's base: Flask-SQLAlchemy's db.Model, which type checkers cannot see through,
# so they are shown the declarative base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

Row = TypeVar("Row")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(cls: type[enum.Enum], length: int) -> Enum:
    """An enum stored as its values in a short string column (no database enum type)."""
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def unique_slug(model: Any, text: str, fallback: str) -> str:
    """A URL-safe slug from text that no row of model has yet (name, name-2, ...)."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or fallback
    slug, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """The column holds text anywhere, ignoring case; its % and _ are taken literally (the
    escape is said, so PostgreSQL and SQLite read it alike)."""
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{pattern}%", escape="\\")


def locked(model: type[Row], row_id: int) -> Row | None:
    """The row, locked until commit and read as it is now (not as first loaded), so two
    people deciding about it at once cannot both act on a stale state."""
    # Built apart from the scalar() call: an error inside its argument, even an ignored one,
    # makes mypy reject every overload of scalar().
    statement = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.scalar(statement)


@contextmanager
def autocommit_connection() -> Iterator[Connection]:
    """A pooled connection, apart from the request's session, on which each statement
    commits as it runs: no BEGIN and no COMMIT, one round trip, for a write that is one
    statement (a signature with its email). PostgreSQL only: on SQLite a write of two
    statements would commit one at a time. (The tests that roll back run it in their
    own transaction instead; see tests/conftest.py.)"""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


class list_has(FunctionElement[bool]):
    """list_has(column, value): true where a JSON list column holds value, on PostgreSQL
    (jsonb containment) and on SQLite (json_each)."""

    type = Boolean()
    name = "list_has"
    inherit_cache = True


@compiles(list_has, "postgresql")
def _list_has_postgresql(element: list_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST({column} AS JSONB) @> jsonb_build_array({value})"


@compiles(list_has)
def _list_has_sqlite(element: list_has, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


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
