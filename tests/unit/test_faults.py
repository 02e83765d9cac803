"""The pure parts of surviving faults: telling a lost connection from a refused statement,
logging an outage once, and a Message-ID that stays the same across resends."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import psycopg
import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError

from campaign.celery import OncePerOutage
from campaign.core.db import connection_failed
from campaign.mail import outbox
from campaign.mail.models import OutboundEmail


def _pg_error(sqlstate: str | None) -> psycopg.Error:
    """The error psycopg raises for that SQLSTATE (None: one of libpq's own)."""
    return psycopg.errors.lookup(sqlstate)("boom") if sqlstate else psycopg.OperationalError("x")


@pytest.mark.parametrize(
    ("sqlstate", "lost"),
    [
        (None, True),  # libpq: refused, or closed unexpectedly
        ("57P01", True),  # terminating connection due to administrator command
        ("57P03", True),  # the database system is starting up
        ("08006", True),  # connection failure
        ("40001", False),  # serialization failure: the statement, not the connection
        ("55P03", False),  # lock not available
    ],
)
def test_a_lost_connection_is_told_from_a_refused_statement(sqlstate, lost):
    error = OperationalError("SELECT 1", {}, _pg_error(sqlstate))
    assert connection_failed(error) is lost


def test_an_invalidated_connection_is_lost_and_a_constraint_is_not():
    assert connection_failed(
        OperationalError("SELECT 1", {}, Exception("x"), connection_invalidated=True)
    )
    assert not connection_failed(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not connection_failed(ValueError("not a database error"))


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("celery", logging.ERROR, __file__, 1, message, (), None)


def test_an_outage_is_logged_once_and_again_after_the_broker_came_back():
    once = OncePerOutage(failure="consumer: Cannot connect to", lost="consumer: Connection to")
    cannot = "consumer: Cannot connect to %s: %s.\n%s"
    lost = logging.LogRecord(
        "celery", logging.WARNING, __file__, 1, "%s (%r)", ("consumer: Connection to", "x"), None
    )
    assert once.filter(lost)
    assert once.down and once.filter(_record(cannot))
    assert not once.filter(_record(cannot))
    assert not once.filter(_record(cannot))
    once.reset()  # the consumer is connected again
    assert not once.down
    assert once.filter(_record(cannot))  # a new outage is reported
    assert once.filter(_record("Task %s received"))  # anything else passes


def test_the_message_id_is_the_rows_the_same_at_every_attempt_and_tells_nothing():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "one secret"
    created = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
    row, other = OutboundEmail(id=41, created_at=created), OutboundEmail(id=42, created_at=created)
    with app.app_context():
        key = outbox.message_key(row)
        assert key == outbox.message_key(row) != outbox.message_key(other)
        app.config["SECRET_KEY"] = "another secret"
        assert outbox.message_key(row) != key  # not guessable from the row id alone
    assert len(key) == 32 and "2026" not in key
