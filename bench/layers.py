"""What the libraries under Chorus cost by themselves: one process, no gunicorn, no load
generator, the CPU of a signing POST (time.process_time per request, the web process's
own utime + stime) for

- bare: the floor's view (bench/floor.py) — Flask, the form read from request.form, one raw
  psycopg INSERT on a connection kept open;
- then, one at a time on top of it, the parts Chorus's signing is made of, each used the
  plainest way: Flask-WTF's CSRF check (the signed session cookie and the token), a WTForms
  form with email validation, the INSERT through SQLAlchemy on a pooled connection, and a
  task-sized message LPUSHed to Redis through redis-py;
- Chorus's own signing request (wsgi app, the bench's database, a real Redis).

Then the same for a first visit to the campaign page (no cookie, as the bench's readers):
the floor's fixed page (Chorus's own, saved), that page with a new Flask-WTF token in it
(which makes a session cookie), and Chorus's page.

Rounds alternate between them, so that a machine that speeds up or slows down weighs on all
alike; each figure is the median of the rounds. Not a test: it measures, it asserts nothing.
It works in make bench's database and Redis (dropped and made again): not beside it.

    make bench-layers
    BENCH_LAYER_ROUNDS=9 .venv/bin/python bench/layers.py
"""

from __future__ import annotations

import gc
import io
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import redis
from flask import Flask, redirect, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import create_engine, text
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

sys.path.insert(0, str(Path(__file__).resolve().parent))
import signing

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = signing.REDIS_URL
ROUNDS = int(os.environ.get("BENCH_LAYER_ROUNDS", "7"))
REQUESTS = int(os.environ.get("BENCH_LAYER_REQUESTS", "1000"))  # per round and variant
SLUG = signing.SLUG
MESSAGE = "x" * 1600  # about the size of a task message
TOKEN = "bench.csrf-token"  # where the page's CSRF token goes


class SignForm(FlaskForm):
    """The petition's fields and validators, as WTForms gives them. (CSRFProtect has checked
    the token before the view; the form does not check it again, as in Chorus.)"""

    class Meta:
        csrf = False

    full_name = StringField(validators=[DataRequired(), Length(max=200)])
    email = EmailField(validators=[DataRequired(), Email(), Length(max=254)])
    postal_code = StringField(validators=[DataRequired(), Length(max=10)])
    comment = TextAreaField(validators=[Length(max=1000)])
    consent_updates = BooleanField()
    show_publicly = BooleanField()


def library_app(database_url: str, layers: set[str], page_html: str = "") -> Flask:
    """The floor's views with the given layers added (csrf, form, sqlalchemy, redis). The
    page is page_html, with a new CSRF token (and so a session cookie) given csrf."""
    app = Flask(__name__)
    app.secret_key = "bench-only-secret"
    if "csrf" in layers:
        CSRFProtect(app)
    else:
        app.config["WTF_CSRF_ENABLED"] = False
    engine = create_engine("postgresql+psycopg://" + database_url.split("://", 1)[1])
    raw = psycopg.connect(database_url, autocommit=True)
    broker = redis.Redis.from_url(REDIS_URL)
    insert = "INSERT INTO floor_signatures (full_name, email, postal_code) VALUES "

    @app.get("/campaigns/<slug>")
    def page(slug: str) -> str:
        return page_html.replace(TOKEN, generate_csrf()) if "csrf" in layers else page_html

    @app.post("/campaigns/<slug>/sign")
    def sign(slug: str) -> Any:
        if "form" in layers:
            form = SignForm()
            if not form.validate():
                return str(form.errors), 400
            values = (form.full_name.data, form.email.data, form.postal_code.data)
        else:
            form_data = request.form
            values = (form_data["full_name"], form_data["email"], form_data["postal_code"])
        if "sqlalchemy" in layers:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(
                    text(insert + "(:name, :email, :postal_code)"),
                    dict(zip(("name", "email", "postal_code"), values, strict=True)),
                )
        else:
            raw.execute(insert + "(%s, %s, %s)", values)  # as bench/floor.py
        if "redis" in layers:
            broker.lpush("bench-layers", MESSAGE)
        return redirect(f"/campaigns/{slug}/check-email", 303)

    return app


def environ(method: str, path: str, body: bytes = b"", cookie: str | None = None) -> dict:
    """What gunicorn hands the app for a request from this machine."""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def call(app: Any, env: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.update(status=status, headers=headers)

    body = b"".join(app(env, start_response))
    return answer["status"], answer["headers"], body


def signer(app: Any, run: str) -> Callable[[int], None]:
    """A visitor of the campaign page, then its signing POSTs (a new email each)."""
    _, headers, page = call(app, environ("GET", f"/campaigns/{SLUG}"))
    cookies = [v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"]
    cookie = next((c for c in cookies if c.startswith("session=")), None)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def sign(n: int) -> None:
        body = (
            f"csrf_token={token}&full_name=Bench+Signer&email=l{run}-{n}%40example.org"
            "&postal_code=20005"
        ).encode()
        status, _, answer = call(app, environ("POST", f"/campaigns/{SLUG}/sign", body, cookie))
        if not status.startswith("303"):
            raise RuntimeError(f"{status}: {answer[:300]!r}")

    return sign


def reader(app: Any) -> Callable[[int], None]:
    """A first visit to the campaign page (no cookie), as the bench's readers make."""

    def read(n: int) -> None:
        status, _, answer = call(app, environ("GET", f"/campaigns/{SLUG}"))
        if not status.startswith("200"):
            raise RuntimeError(f"{status}: {answer[:300]!r}")

    return read


def medians(requests: dict[str, Callable[[int], None]]) -> dict[str, float]:
    """CPU ms per request of each, the median of ROUNDS rounds taken in turn."""
    for make_one in requests.values():
        for n in range(200):  # warm up: connections, caches, prepared statements
            make_one(-1 - n)
    figures: dict[str, list[float]] = {name: [] for name in requests}
    for round_ in range(ROUNDS):
        for name, make_one in requests.items():
            started = time.process_time()
            for n in range(round_ * REQUESTS, (round_ + 1) * REQUESTS):
                make_one(n)
            figures[name].append((time.process_time() - started) / REQUESTS * 1000)
    return {name: statistics.median(values) for name, values in figures.items()}


def report(what: str, figures: dict[str, float]) -> None:
    """Each figure beside the first (the bare one)."""
    bare = next(iter(figures.values()))
    print(
        f"CPU of {what} in one process, median of {ROUNDS} rounds of {REQUESTS} "
        "(no gunicorn, no sockets to the client):"
    )
    for name, median in figures.items():
        added = f"  (+{(median - bare) * 1000:.0f} µs)" if median != bare else ""
        print(f"  {name:<48} {median:6.3f} ms  {median / bare:4.1f}x bare{added}")


def main() -> None:
    database_url = signing.reset_database()
    env = signing.chorus_env(database_url)
    signing.seed(env)
    redis.Redis.from_url(REDIS_URL).flushdb()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from campaign import create_app  # with the bench's settings, as wsgi.py makes it

    chorus = create_app()
    _, _, chorus_page = call(chorus, environ("GET", f"/campaigns/{SLUG}"))
    page_html = re.sub(r'(name="csrf_token" value=")[^"]+', rf"\g<1>{TOKEN}", chorus_page.decode())
    run = str(time.time_ns())
    variants = {
        "bare (the floor's view)": set(),
        "+ Flask-WTF CSRF (session cookie, token)": {"csrf"},
        "+ WTForms form, email validated": {"form"},
        "+ SQLAlchemy instead of raw psycopg": {"sqlalchemy"},
        "+ Redis LPUSH of a task message": {"redis"},
        "all four together": {"csrf", "form", "sqlalchemy", "redis"},
    }
    signers = {
        name: signer(library_app(database_url, layers, page_html), f"{run}-{i}")
        for i, (name, layers) in enumerate(variants.items())
    }
    signers["Chorus's signing request"] = signer(chorus, f"{run}-chorus")
    readers = {
        "bare (the floor's: Chorus's page, fixed)": reader(
            library_app(database_url, set(), page_html)
        ),
        "+ a new Flask-WTF token and session cookie": reader(
            library_app(database_url, {"csrf"}, page_html)
        ),
        "Chorus's campaign page": reader(chorus),
    }
    gc.freeze()
    try:
        report("one signing POST", medians(signers))
        report("a first visit to the campaign page", medians(readers))
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()  # the messages pushed (some 20 MB)


if __name__ == "__main__":
    main()
