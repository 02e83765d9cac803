"""Target import tasks: large CSV files are checked and imported off the request."""

from __future__ import annotations

from celery import shared_task

from campaign.targets import imports


@shared_task
def check_import_task(import_id: int) -> None:
    imports.check_import(import_id)


@shared_task
def run_import_task(import_id: int) -> None:
    imports.run_import(import_id)
