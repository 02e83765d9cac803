"""Error pages in the site's style: every failure gets a clear page, never a bare 500."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from campaign.core import db as database
from campaign.core.errors import Refused
from campaign.extensions import db, login_manager

# How soon a visitor may try again after the database was unreachable (seconds).
RETRY_AFTER_SECONDS = 5

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        "We could not read that request",
        "Something in what was sent was not right. Go back, check the form and try again.",
    ),
    403: (
        "You do not have access to this page",
        "Your account cannot do this. If you think it should, ask your organization's "
        "administrator or a coalition coordinator.",
    ),
    404: (
        "Page not found",
        "We could not find that page. It may have moved, or the link may be mistyped.",
    ),
    405: (
        "That action is not available here",
        "This page cannot be used that way. Go back and use the page's own buttons.",
    ),
    429: (
        "Too many attempts",
        "For everyone's safety we limit how often this can be tried. Wait a minute and try again.",
    ),
    413: (
        "That was too much to send",
        "What you sent is larger than we accept. Shorten it and try again.",
    ),
    503: (
        "We are back in a moment",
        "We could not reach our records just now. Please try again in a few seconds. If you "
        "were signing a petition, signing again is safe: nobody is counted twice.",
    ),
    500: (
        "Something went wrong on our side",
        "We could not finish that. Nothing you entered was saved; please try again in a moment.",
    ),
}


def _page(code: int, title: str | None = None, detail: str | None = None):
    default_title, default_detail = MESSAGES.get(code, MESSAGES[400])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            detail=detail or default_detail,
        ),
        code,
    )


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            "This form has expired",
            "For your security, forms stop working after a while or when cookies are "
            "blocked. Go back, reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code >= 500:
            return _page(500)
        title, detail = MESSAGES.get(error.code, (error.name, error.description))
        body, code = _page(error.code, title, detail)
        allowed = getattr(error, "valid_methods", None)
        return body, code, {"Allow": ", ".join(allowed)} if allowed else {}

    @app.errorhandler(Refused)
    def refused(error: Refused):
        """A refusal no view caught: its message on the error page, nothing changed."""
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        return _page(error.status, "That could not be done", str(error))

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not database.connection_failed(error):
            return unexpected_error(error)
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        log.warning("database unreachable: %s", error.orig)
        # The page's header must not load the signed-in account from the database.
        g._login_user = login_manager.anonymous_user()
        body, code = _page(503)
        return body, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        log.exception("unhandled error", exc_info=error)
        return _page(InternalServerError.code)
