"""Public pages rendered once and kept for a moment in each process.

During a surge thousands of people read the same campaign page each second; rendering it
once a second per process instead of once per reader is what keeps the site up. The form's
CSRF token differs per visitor, so pages are cached with a placeholder that is swapped for
the visitor's token on the way out. Nothing else of one visitor may reach another: a page
for someone signed in, or with a message waiting for them (a flash), is never cached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from flask import current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

CSRF_PLACEHOLDER = "__chorus_csrf_token__"
_MAX_PAGES = 500
_pages: dict[Hashable, tuple[float, str]] = {}


def cached_page(key: Hashable, render: Callable[[], str | None]) -> str | None:
    """The page for key, rendered by render() at most once per PAGE_CACHE_SECONDS.
    None (not found) is never cached, so unknown addresses cannot fill the cache."""
    ttl = current_app.config["PAGE_CACHE_SECONDS"]
    if ttl <= 0 or _signed_in() or "_flashes" in session:
        return render()  # their header or their messages: never share their page
    now = time.monotonic()
    hit = _pages.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    html = render()
    if html is not None:
        if len(_pages) >= _MAX_PAGES:
            _pages.clear()
        _pages[key] = (now + ttl, html)
    return html


def _signed_in() -> bool:
    """Only a request with a cookie (the session's, or a remember-me one) can be someone's
    who signed in. A first visit's is not looked at by Flask-Login, whose every look hashes
    the visitor's address and browser (its session protection). (Chorus signs people in by
    cookie only: a Flask-Login request_loader, say for API tokens, would change this.)"""
    return bool(request.cookies) and current_user.is_authenticated


def with_csrf_token(html: str) -> str:
    return html.replace(CSRF_PLACEHOLDER, generate_csrf()) if CSRF_PLACEHOLDER in html else html
