"""Settings read from the environment, with defaults that run on a laptop with nothing installed."""

from __future__ import annotations

import os
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _database_url(raw: str | None) -> str:
    """Accept the usual postgres:// spellings and pin the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'chorus.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _engine_options(database_url: str) -> dict[str, Any]:
    """No pre-ping (a round trip to the database at every checkout): a connection that died
    fails its first statement, SQLAlchemy then drops the whole pool, and the web tier runs
    the view once more on a fresh connection (web.app.Chorus). Connections are renewed
    after five minutes, before servers and proxies drop idle ones."""
    options: dict[str, Any] = {"pool_pre_ping": False, "pool_recycle": 300}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}  # an unreachable host fails fast
    return options


def _networks(raw: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses or networks (203.0.113.7, 198.51.100.0/24, 2001:db8::/32)."""
    try:
        return [ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"SIGN_LIMIT_ALLOW: {exc}") from exc


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE_DIR / "secret_key"
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of processes starting together, exactly one writes the key; all read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    redis_url = env.get("REDIS_URL") or None
    database_url = _database_url(env.get("DATABASE_URL"))
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "SMTP_URL": env.get("SMTP_URL") or None,
        "MAIL_DIR": str(INSTANCE_DIR / "mail"),
        "BASE_URL": base_url,
        # Transactional mail (confirmations, sign-in) and bulk mail (appeals, outreach, notices)
        # come from different addresses, so that one's reputation does not sink the other's.
        "MAIL_FROM": env.get("MAIL_FROM", "Chorus <no-reply@chorus.example.org>"),
        "BULK_MAIL_FROM": env.get(
            "BULK_MAIL_FROM", "Coalition for Mental Health Research <updates@chorus.example.org>"
        ),
        # Where answers to outreach and partner notices go: a mailbox the staff read.
        "REPLY_TO": env.get("REPLY_TO", "Coalition staff <staff@chorus.example.org>"),
        "LIST_ID": env.get("LIST_ID", "Coalition updates <updates.chorus.example.org>"),
        "UNSUBSCRIBE_MAILTO": env.get("UNSUBSCRIBE_MAILTO", "unsubscribe@chorus.example.org"),
        # Unsubscribe links in bulk mail work for this long after the email was sent.
        "UNSUBSCRIBE_LINK_DAYS": int(env.get("UNSUBSCRIBE_LINK_DAYS", "365")),
        # DKIM: the PEM key itself or a path to it; unset, mail goes out unsigned.
        "DKIM_PRIVATE_KEY": env.get("DKIM_PRIVATE_KEY") or None,
        "DKIM_SELECTOR": env.get("DKIM_SELECTOR", "chorus"),
        "DKIM_DOMAIN": env.get("DKIM_DOMAIN") or None,  # default: the From address's domain
        # Appeals: the default messages per minute of a new appeal (0: as fast as the
        # workers go), and the failure rate past which a sending appeal pauses itself.
        "APPEAL_RATE_PER_MINUTE": int(env.get("APPEAL_RATE_PER_MINUTE", "0")),
        "APPEAL_PAUSE_FAILURE_RATE": float(env.get("APPEAL_PAUSE_FAILURE_RATE", "0.05")),
        "APPEAL_PAUSE_AFTER": int(env.get("APPEAL_PAUSE_AFTER", "200")),
        "COALITION_NAME": env.get("COALITION_NAME", "Coalition for Mental Health Research"),
        "POSTAL_ADDRESS": env.get(
            "POSTAL_ADDRESS", "1100 Research Avenue NW, Suite 400, Washington, DC 20005"
        ),
        # Signature confirmation links stay valid this long.
        "CONFIRMATION_TTL_HOURS": int(env.get("CONFIRMATION_TTL_HOURS", "72")),
        # Partners that have not co-signed get one reminder this many days before a deadline.
        "LETTER_REMINDER_DAYS": int(env.get("LETTER_REMINDER_DAYS", "3")),
        # The public count is recounted at most this often (seconds).
        "COUNT_REFRESH_SECONDS": float(env.get("COUNT_REFRESH_SECONDS", "2")),
        # Public pages are rendered at most this often per process (seconds; 0 turns it off).
        "PAGE_CACHE_SECONDS": float(env.get("PAGE_CACHE_SECONDS", "1")),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CELERY": celery_settings(redis_url),
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none). Needed
        # for the right client address in rate limits and the audit log behind TLS proxies.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # Where core.throttle counts sign-in attempts.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Signatures from one address beyond these are held: stored, not counted, no email
        # sent, until a coordinator releases them (0 turns a limit off). Addresses and
        # networks in SIGN_LIMIT_ALLOW (comma-separated, e.g. a partner's office) never are.
        "SIGN_LIMIT_PER_MINUTE": int(env.get("SIGN_LIMIT_PER_MINUTE", "10")),
        "SIGN_LIMIT_PER_HOUR": int(env.get("SIGN_LIMIT_PER_HOUR", "100")),
        "SIGN_LIMIT_ALLOW": _networks(env.get("SIGN_LIMIT_ALLOW", "")),
        # Signed-in sessions end after this long without a request (idle timeout).
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_IDLE_MINUTES", "30")) * 60,
    }


def celery_settings(redis_url: str | None) -> dict[str, Any]:
    """Celery on Redis when REDIS_URL is set; otherwise every task runs in-process."""
    common: dict[str, Any] = {
        "task_default_queue": "default",
        "worker_prefetch_multiplier": 1,
        # A send in progress when the broker goes away finishes: cancelling it would leave
        # its outcome unknown (Celery 6 changes this default, so it is set here).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
    }
    if not redis_url:
        return {
            **common,
            "task_always_eager": True,
            "task_eager_propagates": True,
            "broker_url": "memory://localhost/",
        }
    return {
        **common,
        "broker_url": redis_url,
        "broker_transport": "campaign.broker:Transport",
        "broker_transport_options": {
            # Longer than any message is held unacknowledged by a live worker (retries
            # wait in the broker at most RETRY_IN_BROKER_SECONDS; longer waits are the
            # relay's). A dead worker's messages come back after this; the relay hands
            # their rows over sooner.
            "visibility_timeout": 600,
            "socket_connect_timeout": 1,
            "socket_timeout": 2,
            # Publishing fails at once when Redis is down (web requests never wait on it;
            # the relay hands the rows over later).
            "max_retries": 0,
        },
        "broker_connection_timeout": 1,
        # A web process never waits on a dead broker. Workers and beat override this
        # (see WORKER_SETTINGS) and keep trying until it is back.
        "broker_connection_max_retries": 0,
    }


# What `celery -A worker` processes (workers and beat) use instead of the web's fail-fast
# broker settings: they wait for the broker without limit, with backoff, and never exit.
WORKER_SETTINGS: dict[str, Any] = {
    "broker_connection_max_retries": None,
    "beat_scheduler": "campaign.celery:Scheduler",
}
