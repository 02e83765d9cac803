"""Request checks that run before any view: input that is not valid UTF-8 is refused whole,
rather than reaching a form as mangled text."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request


def _is_utf8(encoded: bytes) -> bool:
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def register_guards(app: Flask) -> None:
    @app.before_request
    def refuse_undecodable_input() -> None:
        if request.query_string and not _is_utf8(request.query_string):
            abort(400)
        if request.mimetype == "application/x-www-form-urlencoded" and not _is_utf8(
            request.get_data(cache=True)
        ):
            abort(400)
