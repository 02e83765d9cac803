"""The WSGI entry point: gunicorn wsgi:app, flask --app wsgi ..."""

import gc

from campaign import create_app

app = create_app()
# What the app made to start (modules, routes, templates, models) lives as long as the
# process: out of the collector's sight, a full collection takes milliseconds, not the
# 60 ms that stalled every request of a web process now and then.
gc.freeze()
