"""Target import tasks: large CSV files are checked and imported off the request."""

from __future__ import annotations

from celery import shared_task

from campaign.services import targets


@shared_task
def check_import(import_id: int) -> None:
    targets.check_import(import_id)


@shared_task
def run_import(import_id: int) -> None:
    targets.run_import(import_id)
