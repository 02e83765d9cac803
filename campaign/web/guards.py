"""Checks around every request: input that is not valid UTF-8, or holds a NUL or another
control character (which the database refuses, or no field means), is turned away before any
view; ids in addresses are numbers a row can have; and every response carries headers that
keep pages out of frames and one-time links out of caches and Referer headers."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from campaign.web.fields import MAX_ID

# In a form, text areas may hold tabs and line breaks; nothing may hold other controls.
_FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A query string value (a search, a filter) is one line.
_QUERY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _is_utf8(encoded: bytes) -> bool:
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RecordId(IntegerConverter):
    """`<int:...>` in routes: only numbers a row's id can be, so a larger one is a 404, not
    a query the database refuses."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _has_control(values: Any, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(key) or pattern.search(value) for key, value in values)


def register_guards(app: Flask) -> None:
    app.url_map.converters["int"] = RecordId
    # Served over https: browsers are to come back only over https.
    hsts = app.config["BASE_URL"].startswith("https://")

    @app.before_request
    def allow_uploads() -> None:
        if request.endpoint in UPLOAD_LIMITS:  # before CSRF reads the body
            request.max_content_length = UPLOAD_LIMITS[request.endpoint]

    @app.before_request
    def refuse_undecodable_input() -> None:
        if "\x00" in request.path:
            abort(404)
        if request.query_string and (
            not _is_utf8(request.query_string)
            or _has_control(request.args.items(multi=True), _QUERY_CONTROL)
        ):
            abort(400)
        if request.mimetype == "application/x-www-form-urlencoded" and not _is_utf8(
            request.get_data(cache=True)
        ):
            abort(400)
        if request.method in ("POST", "PUT", "PATCH") and _has_control(
            request.form.items(multi=True), _FORM_CONTROL
        ):
            abort(400)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # Those a view did not set itself, in one pass over the response's headers (which
        # setdefault makes once for each).
        given = {name.lower() for name, _ in response.headers}
        response.headers.extend(
            (name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in given
        )
        if request.endpoint in NO_STORE_ENDPOINTS or request.blueprint in PRIVATE_AREAS:
            response.headers["Cache-Control"] = "no-store"
        if hsts:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


# Forms that take a file, and the most they may send; the service says what size it accepts
# (a logo: 1 MB, a CSV of targets: 16 MB).
UPLOAD_LIMITS = {"portal.profile": 2 * 1024 * 1024, "console.import_targets": 17 * 1024 * 1024}

# Pages for one signed-in person (and signing in): never kept by a browser or a proxy.
PRIVATE_AREAS = {"console", "portal", "auth"}

# Pages whose address holds a one-time token.
NO_STORE_ENDPOINTS = {
    "public.confirm",
    "public.renew",
    "auth.reset_password",
    "auth.accept_invitation",
    "auth.confirm_email_change",
}
