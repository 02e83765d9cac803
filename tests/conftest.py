"""Fixtures shared by every kind of test: the app on PostgreSQL, a real SMTP server, a real
Celery worker on Redis."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from campaign import config, create_app
from campaign.accounts import services as account_services
from campaign.core import db as core_db
from campaign.extensions import db
from campaign.mail import dispatcher
from tests.support import services
from tests.support.processes import CeleryProcess
from tests.support.smtp import Mailbox, start_smtp_server

ROOT = Path(__file__).resolve().parent.parent
ROLLED_BACK = "tests.rolled_back"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        elif f"{os.sep}e2e{os.sep}" in path:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    """Passwords hashed with argon2id at its smallest cost: at the real cost (about 0.13 s
    a check here) every sign-in of every test would wait for it. The parameters are read
    from the hash, so what is stored and checked is the same as in production."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            account_services, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        yield


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    controller, mailbox = start_smtp_server()
    yield f"smtp://127.0.0.1:{controller.port}", mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[str, Mailbox]) -> Mailbox:
    smtp_server[1].clear()
    return smtp_server[1]


@pytest.fixture(scope="session")
def database() -> str:
    """The test database, emptied and migrated once per run through the real migrations."""
    services.require_postgres()
    url = services.DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    migrate(url)
    return url


def migrate(url: str) -> None:
    """Bring the database at url up to date through the real migrations."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


def end_the_tests_transaction(app: Flask) -> None:
    """Every session of a rolled-back test works in a savepoint of one connection: before a
    request (or a command) the test's own transaction ends, or its rollback would undo what
    the request commits inside it. It ends as it would have, apart, on a connection of its
    own: rolled back, so what the test left uncommitted is not seen by the request."""
    if ROLLED_BACK in app.extensions and db.session().in_transaction():
        db.session.rollback()


class CommandRunner(FlaskCliRunner):
    def invoke(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        end_the_tests_transaction(self.app)
        return super().invoke(*args, **kwargs)


class VisitorClient(FlaskClient):
    """Each request runs in an app context of its own, as in production: its own `g` and its
    own database session, apart from the test's."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        end_the_tests_transaction(self.application)
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database_url: str, smtp_url: str, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SMTP_URL": smtp_url,
        "BASE_URL": "http://chorus.test",
        "COUNT_REFRESH_SECONDS": 0.0,
        "PAGE_CACHE_SECONDS": 0.0,
        # Every test signs from 127.0.0.1; the tests of holding set their own limits.
        "SIGN_LIMIT_PER_MINUTE": 0,
        "SIGN_LIMIT_PER_HOUR": 0,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = VisitorClient
    app.test_cli_runner_class = CommandRunner
    return app


def empty_tables() -> None:
    names = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database: str,
    smtp_server: tuple[str, Mailbox],
    mailbox: Mailbox,
) -> Iterator[Flask]:
    """The app on PostgreSQL with tasks run in-process, sending to the test SMTP server. What
    the test writes is rolled back at its end; a test marked `commits` (its data must be
    seen by another connection: a thread, a process) runs on emptied tables instead."""
    app = make_app(database, smtp_server[0])
    if request.node.get_closest_marker("commits"):
        yield from in_context(app)
    else:
        yield from rolled_back(app)


def in_context(app: Flask) -> Iterator[Flask]:
    """Run the test inside the app's context, on empty tables, emptied again after it (the
    tests that roll back find them empty)."""
    with app.app_context():
        empty_tables()
        dispatcher.reset_broker_pause()
        yield app
        db.session.remove()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def rolled_back(app: Flask) -> Iterator[Flask]:
    """Run the test inside one transaction on one connection, rolled back at the end: every
    session (the test's, each request's) works in a savepoint of it, so commits and
    rollbacks behave as usual and nothing is left behind (Warehouse's tests/conftest.py)."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        shared = db.session
        db.session = scoped_session(
            sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            ),
            scopefunc=shared.registry.scopefunc,  # one session per app context, as before
        )
        app.extensions[ROLLED_BACK] = True
        dispatcher.reset_broker_pause()

        @contextmanager
        def in_the_tests_transaction() -> Iterator[Connection]:
            """A statement that would commit as it runs commits a savepoint of the test's
            transaction instead (the tests marked `commits` use the real one)."""
            with connection.begin_nested():
                yield connection

        autocommit_connection = core_db.autocommit_connection
        core_db.autocommit_connection = in_the_tests_transaction
        try:
            yield app
        finally:
            core_db.autocommit_connection = autocommit_connection
            db.session.remove()
            db.session = shared
            outer.rollback()
            connection.close()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The form token a browser would get from the page at url."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[A-Za-z0-9_\-]+")


def confirm_path(text_body: str) -> str:
    """The path of the confirmation link in an email body."""
    match = CONFIRM_LINK.search(text_body)
    assert match, "no confirmation link in the email"
    return "/confirm/" + match.group(0).rsplit("/confirm/", 1)[1]


@pytest.fixture(scope="session")
def celery_worker(database: str, smtp_server: tuple[str, Mailbox]) -> Iterator[str]:
    """A real Celery worker process on Redis, sending to the test SMTP server."""
    services.require_redis()
    import redis

    redis.Redis.from_url(services.REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": services.REDIS_URL,
        "SMTP_URL": smtp_server[0],
        "BASE_URL": "http://chorus.test",
    }
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = ROOT / ".pytest_cache" / "celery-worker.log"
    log.unlink(missing_ok=True)
    worker = CeleryProcess("worker", env, log, *WORKER_ARGS, "--hostname=test@%h")
    worker.start()
    yield services.REDIS_URL
    worker.stop()


# One worker for every queue, as small as the tests need.
WORKER_ARGS = (
    "-Q",
    "mail.transactional,mail.bulk,default",
    "--concurrency=2",
    "--without-gossip",
    "--without-mingle",
)


@pytest.fixture
def worker_app(
    celery_worker: str, database: str, smtp_server: tuple[str, Mailbox], mailbox: Mailbox
) -> Iterator[Flask]:
    """The app on PostgreSQL handing mail to the real worker through Redis."""
    yield from app_on_redis(database, smtp_server[0], celery_worker)


def app_on_redis(database: str, smtp_url: str, redis_url: str) -> Iterator[Flask]:
    yield from in_context(
        make_app(database, smtp_url, REDIS_URL=redis_url, CELERY=config.celery_settings(redis_url))
    )
