"""The Flask application class: Flask, with one more try for a view whose database
connection failed."""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Flask, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from campaign.extensions import db
from campaign.services import database

log = logging.getLogger(__name__)

# A PostgreSQL restart refuses connections for a few hundred milliseconds.
RETRY_PAUSE_SECONDS = 0.5


class Chorus(Flask):
    """When the database connection itself fails during a view (a restart, a failover), the
    view runs once more on a fresh connection, so the visitor gets the answer instead of an
    error. That is safe: the failed transaction left nothing behind, and where its commit
    did land, what the view writes answers a repeat (signing's unique index, the row locks
    of decisions). What fails again gets the 503 page (see errors)."""

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if not database.connection_failed(exc):
                raise
            log.warning("database connection failed in %s; trying once more", request.endpoint)
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        time.sleep(RETRY_PAUSE_SECONDS)
        for upload in request.files.values():
            upload.stream.seek(0)
        return super().dispatch_request()
