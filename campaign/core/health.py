"""What /healthz reports: can we reach the database and the broker."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from campaign.extensions import db


def check() -> dict[str, str]:
    state = {"database": "ok", "broker": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:
        db.session.rollback()
        state["database"] = f"error: {type(exc).__name__}"
    redis_url = current_app.config["REDIS_URL"]
    if not redis_url:
        state["broker"] = "in-process"
    else:
        import redis

        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            client.close()
        except Exception as exc:
            state["broker"] = f"error: {type(exc).__name__}"
    return state
