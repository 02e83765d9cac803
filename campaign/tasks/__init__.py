"""Thin Celery tasks: they take ids and call services."""

from campaign.tasks import accounts, letters, mail, targets  # noqa: F401
