"""The bare stack that bench/signing.py measures Chorus against: Flask on the same gunicorn
settings, whose campaign page is a fixed page (Chorus's own, saved by the bench) and whose
signing POST does one raw psycopg INSERT. What Chorus spends above this is what its features
cost. Run by the bench: gunicorn --chdir bench floor:app"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg
from flask import Flask, redirect, request
from werkzeug.wrappers import Response

app = Flask(__name__)
PAGE = Path(os.environ["FLOOR_PAGE"]).read_text()
_local = threading.local()


def _connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return conn


@app.get("/campaigns/<slug>")
def campaign_page(slug: str) -> str:
    return PAGE


@app.post("/campaigns/<slug>/sign")
def sign(slug: str) -> Response:
    _connection().execute(
        "INSERT INTO floor_signatures (full_name, email, postal_code) VALUES (%s, %s, %s)",
        (request.form["full_name"], request.form["email"], request.form["postal_code"]),
    )
    return redirect(f"/campaigns/{slug}/check-email", 303)
