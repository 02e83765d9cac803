"""Thin Celery tasks: they take ids and call services."""

from campaign.tasks import mail  # noqa: F401
