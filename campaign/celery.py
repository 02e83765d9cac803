"""Celery bound to the Flask app, as in the Flask documentation's Celery pattern."""

from __future__ import annotations

import logging

from celery import Celery, Task, bootsteps
from celery.beat import PersistentScheduler, ScheduleEntry, SchedulingError
from flask import Flask
from kombu.exceptions import OperationalError
from sqlalchemy.exc import DBAPIError

from campaign.config import WORKER_SETTINGS
from campaign.core import db as database

log = logging.getLogger(__name__)

# How often a task whose database connection failed is tried again (5 s, 10 s, ... 60 s).
DATABASE_RETRIES = 10


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks each run inside a Flask app context."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except DBAPIError as exc:
                    if self.request.is_eager or not database.connection_failed(exc):
                        raise
                    # The database went away: try again later, backing off. An email whose
                    # task gives up is still queued, and the relay hands it over again.
                    countdown = min(5 * 2**self.request.retries, 60)
                    raise self.retry(
                        exc=exc, countdown=countdown, max_retries=DATABASE_RETRIES
                    ) from exc

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    register_tasks(celery_app)
    return celery_app


def register_tasks(celery_app: Celery) -> None:
    """Import every feature's tasks (registering them) and schedule the periodic ones."""
    from campaign.accounts import tasks as _accounts  # noqa: F401
    from campaign.appeals import tasks as appeals
    from campaign.campaigns import tasks as campaigns
    from campaign.letters import tasks as letters
    from campaign.mail import tasks as mail
    from campaign.targets import tasks as _targets  # noqa: F401

    celery_app.conf.beat_schedule = {
        "relay-outbox": {"task": mail.relay_outbox.name, "schedule": 10.0},
        "letter-reminders": {"task": letters.send_reminders.name, "schedule": 3600.0},
        "close-due-campaigns": {"task": campaigns.close_due_campaigns.name, "schedule": 60.0},
        "start-due-appeals": {"task": appeals.start_due_appeals.name, "schedule": 5.0},
        "recount-open-campaigns": {
            "task": campaigns.recount_open_campaigns.name,
            "schedule": 60.0,
        },
    }


def configure_workers(celery_app: Celery) -> None:
    """Settings for `celery -A worker` processes: keep trying a lost broker without limit,
    and say that it was lost, and that it is back, once each."""
    if celery_app.conf.task_always_eager:
        return
    celery_app.conf.update(WORKER_SETTINGS)
    logging.getLogger("celery.worker.consumer.consumer").addFilter(CONSUMER_OUTAGE)
    celery_app.steps["consumer"].add(BrokerBack)
    # Celery warns at every loss that a later version will cancel late-ack tasks then; this
    # project keeps them running (worker_cancel_long_running_tasks_on_connection_loss).
    logging.getLogger("py.warnings").addFilter(
        lambda record: "cancels all currently executed tasks" not in record.getMessage()
    )


class OncePerOutage(logging.Filter):
    """Keeps the first `failure` message of an outage and drops its repeats (Celery logs
    one per retry) until reset() says the broker answers again."""

    def __init__(self, failure: str, lost: str | None = None) -> None:
        super().__init__()
        self.failure = failure
        self.lost = lost
        self.down = False
        self.reported = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.lost and self.lost in message:
            self.down = True
        elif self.failure in message:
            self.down = True
            if self.reported:
                return False
            self.reported = True
        return True

    def reset(self) -> None:
        self.down = self.reported = False


CONSUMER_OUTAGE = OncePerOutage(
    failure="consumer: Cannot connect to", lost="consumer: Connection to broker lost"
)


class BrokerBack(bootsteps.StartStopStep):
    """A step of the worker's consumer, started each time it has (re)connected to the
    broker: after an outage it says so at WARNING (Celery's own 'Connected to' is INFO),
    and the next outage is reported again."""

    requires = {"celery.worker.consumer.connection:Connection"}

    def start(self, c: object) -> None:
        if CONSUMER_OUTAGE.down:
            log.warning("consumer: the broker is back; taking tasks again")
        CONSUMER_OUTAGE.reset()


class Scheduler(PersistentScheduler):
    """Celery beat's default scheduler, except that a broker it cannot reach is said once
    (and its return once) instead of with a traceback at every due task."""

    broker_down = False

    def _ensure_connected(self) -> object:
        """The connection for the producer, waited for without limit when the broker is
        down at the first due task; said once, not at every retry."""
        return self.connection.ensure_connection(
            lambda exc, interval: self._lost(exc), self.app.conf.broker_connection_max_retries
        )

    def _lost(self, exc: Exception) -> None:
        if not self.broker_down:
            log.warning("beat: the broker is unreachable (%s); due tasks wait for it", exc)
        self.broker_down = True

    def apply_entry(self, entry: ScheduleEntry, producer: object = None) -> None:
        log.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except SchedulingError as exc:
            cause = exc.__cause__ or exc.__context__  # Celery re-raises without "from"
            lost: tuple[type[Exception], ...] = (
                OperationalError,
                *self.connection.connection_errors,
            )
            if isinstance(cause, lost):
                self._lost(cause)
            else:
                log.exception("beat: due task %s (%s) could not be sent", entry.name, entry.task)
            return
        if self.broker_down:
            log.warning("beat: the broker is back; due tasks are sent again")
        self.broker_down = False
