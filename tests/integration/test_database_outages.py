"""The web tier when the database connection fails: one more try on a fresh connection,
then a 503 page that says when to come back; never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from campaign.campaigns.models import Signature
from campaign.extensions import db
from campaign.mail.models import OutboundEmail
from tests.conftest import make_app
from tests.support.factories import CampaignFactory
from tests.support.web import sign


def cut_once(part: str) -> list[int]:
    """Terminate the server process of the connection about to run the first statement
    that holds part, as a PostgreSQL restart does. Returns the list of pids of the
    connections that ran such a statement (the cut one first)."""
    ran: list[int] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def terminate(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if part.upper() not in statement.upper():
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        if not ran:
            with db.engine.connect() as other:  # waits until the server process has gone
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
                other.commit()
        ran.append(pid)

    return ran


@pytest.mark.commits  # the connection is cut: the test's data must be on another one
def test_a_signature_whose_connection_is_cut_is_taken_on_a_fresh_one(app, client, mailbox):
    campaign = CampaignFactory()
    ran = cut_once("INSERT INTO signatures")
    response = sign(client, campaign, email="cut@example.org")
    assert len(ran) == 2 and ran[0] != ran[1]  # tried again, on another connection
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 1
    mailbox.wait_for("cut@example.org")


def test_an_unreachable_database_gets_a_503_page_with_retry_after(smtp_server):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/none", smtp_server[0])
    response = app.test_client().get("/partners")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "We are back in a moment" in page
    assert "signing again is safe" in page
