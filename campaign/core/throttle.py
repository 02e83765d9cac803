"""Rate limits for the few actions worth guessing at: signing in, asking for reset links.

Counts live in Redis when it is configured, so every process shares them, else in this
process's memory. Only the views that call allow() pay for it; the hot public pages do not.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import parse, storage, strategies

log = logging.getLogger(__name__)


def _limiter() -> strategies.MovingWindowRateLimiter:
    extensions = current_app.extensions
    if "throttle" not in extensions:
        uri = current_app.config["RATELIMIT_STORAGE_URI"]
        extensions["throttle"] = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(uri)
        )
    return extensions["throttle"]


def allow(limit: str, action: str, key: str) -> bool:
    """Count one attempt at action by key; False once more than limit (e.g. "5/minute").
    When the counter store cannot be reached the attempt is let through, not refused."""
    try:
        return _limiter().hit(parse(limit), action, key.lower())
    except Exception as exc:  # a down Redis must not lock everyone out
        log.warning("rate limit store unavailable, %s allowed: %s", action, exc)
        return True
