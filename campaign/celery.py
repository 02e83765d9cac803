"""Celery bound to the Flask app, as in the Flask documentation's Celery pattern."""

from __future__ import annotations

import logging

from celery import Celery, Task
from flask import Flask

from campaign.config import WORKER_SETTINGS


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks each run inside a Flask app context."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    import campaign.tasks  # noqa: F401  (registers the shared tasks)

    return celery_app


def configure_workers(celery_app: Celery) -> None:
    """Settings for `celery -A worker` processes: keep trying a lost broker without limit,
    and say that it was lost, and that it is back, once each."""
    if celery_app.conf.task_always_eager:
        return
    celery_app.conf.update(WORKER_SETTINGS)
    consumer = OncePerOutage(failure="consumer: Cannot connect to", recovery="Connected to")
    for name in ("celery.worker.consumer.consumer", "celery.worker.consumer.connection"):
        logging.getLogger(name).addFilter(consumer)
    logging.getLogger("celery.beat").addFilter(
        OncePerOutage(failure="beat: Connection error", recovery="Scheduler: Sending due task")
    )
    # Celery warns at every loss that a later version will cancel late-ack tasks then; this
    # project keeps them running (worker_cancel_long_running_tasks_on_connection_loss).
    logging.getLogger("py.warnings").addFilter(
        lambda record: "cancels all currently executed tasks" not in record.getMessage()
    )


class OncePerOutage(logging.Filter):
    """Keeps the first `failure` message of an outage and drops its repeats (Celery logs
    one per retry) until a `recovery` message says the broker answers again."""

    def __init__(self, failure: str, recovery: str) -> None:
        super().__init__()
        self.failure = failure
        self.recovery = recovery
        self.reported = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith(self.recovery):
            self.reported = False
        elif self.failure in message:
            if self.reported:
                return False
            self.reported = True
        return True
