"""The WSGI entry point: gunicorn wsgi:app, flask --app wsgi ..."""

from campaign import create_app

app = create_app()
