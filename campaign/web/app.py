"""The Flask application class: Flask, with one more try for a view whose database
connection failed, and session cookies signed by one serializer per key."""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from campaign.core import db as database
from campaign.extensions import db

log = logging.getLogger(__name__)

# A PostgreSQL restart refuses connections for a few hundred milliseconds.
RETRY_PAUSE_SECONDS = 0.5


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    """Remember that this request wrote something for good (see Chorus.dispatch_request)."""
    if has_request_context():
        g.committed = True


@event.listens_for(Engine, "after_execute")
def _note_autocommit(connection: Connection, *args: object) -> None:
    """A statement that ran on a connection where it commits as it runs (a signature, see
    core.db.autocommit_connection) wrote for good too."""
    if (
        connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        and has_request_context()
    ):
        g.committed = True


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its serializer made once per secret key instead of
    twice per request (building one serializes a test value, and it showed in the CPU of
    every page and signature). A serializer holds only its keys and settings."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            self._serializers = {key: serializer}  # only the current keys are kept
        return serializer


class Chorus(Flask):
    """When the database connection itself fails during a view (a restart, a failover)
    before the view committed anything, the view runs once more on a fresh connection, so
    the visitor gets the answer instead of an error. The failed transaction left nothing
    behind; where its commit landed without an answer, what the view writes answers a
    repeat (signing's unique index, the row locks of decisions). A view that had already
    committed is not run again. What fails is answered with the 503 page (see errors)."""

    session_interface = SessionCookies()

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if not database.connection_failed(exc) or g.get("committed"):
                raise
            log.warning("database connection failed in %s; trying once more", request.endpoint)
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        time.sleep(RETRY_PAUSE_SECONDS)
        for upload in request.files.values():
            upload.stream.seek(0)
        return super().dispatch_request()
