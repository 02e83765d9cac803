"""Handing a task to the app's own Celery, by the task object rather than by a name."""

from __future__ import annotations

from typing import Any

from celery import Task
from flask import current_app


def enqueue(task: Task, *args: Any, **options: Any) -> None:
    """Queue task with args on this app's Celery (run in-process without a broker). Raises
    what the broker raises; callers decide what a refused hand-over means for them."""
    celery = current_app.extensions["celery"]
    celery.tasks[task.name].apply_async(args=list(args), retry=False, **options)
