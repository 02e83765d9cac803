"""The Celery entry point: celery -A worker worker | celery -A worker beat."""

from campaign import create_app
from campaign.celery import configure_workers

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
configure_workers(celery_app)
