"""Signatures that come too fast from one address are held, not refused: the signer sees the
usual page, nobody is emailed, nothing is counted, until a coordinator releases or discards
them. And the emails that password resets and partner applications cause are capped."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaign.accounts.models import Role
from campaign.campaigns.models import Signature
from campaign.core.audit import AuditEvent
from campaign.extensions import db
from campaign.mail.models import OutboundEmail
from tests.conftest import in_context, make_app
from tests.support.factories import AccountFactory, CampaignFactory
from tests.support.web import APPLICATION, post, sign, sign_in

BUSY = "203.0.113.9"


@pytest.fixture
def limited(database, smtp_server, mailbox):
    """The app with small limits: 3 signatures a minute, 5 an hour, per address."""
    app = make_app(
        database,
        smtp_server[0],
        SIGN_LIMIT_PER_MINUTE=3,
        SIGN_LIMIT_PER_HOUR=5,
        SIGN_LIMIT_ALLOW=[ip_network("198.51.100.0/24")],
    )
    yield from in_context(app)


def visitor(app: Flask, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def held() -> list[Signature]:
    return list(db.session.scalars(select(Signature).where(Signature.held_at.is_not(None))))


def emails_to(address: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboundEmail).where(OutboundEmail.recipient == address)
    )


def test_beyond_the_burst_signatures_are_held_and_look_the_same(limited, mailbox):
    campaign = CampaignFactory()
    client = visitor(limited, BUSY)
    answers = [sign(client, campaign, email=f"s{i}@example.org") for i in range(5)]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {
        (303, answers[0].headers["Location"])
    }
    assert [s.email for s in held()] == ["s3@example.org", "s4@example.org"]
    assert {s.held_address for s in held()} == {BUSY}
    assert [emails_to(f"s{i}@example.org") for i in range(5)] == [1, 1, 1, 0, 0]
    assert sign(client, campaign, email="s3@example.org").status_code == 303  # a repeat
    assert emails_to("s3@example.org") == 0  # still nobody emailed because of it
    # Another address is not held.
    assert sign(visitor(limited, "192.0.2.1"), campaign, email="o@example.org").status_code == 303
    assert emails_to("o@example.org") == 1


def test_the_hourly_limit_holds_too_and_a_zero_limit_is_off(database, smtp_server, mailbox):
    app = make_app(database, smtp_server[0], SIGN_LIMIT_PER_MINUTE=0, SIGN_LIMIT_PER_HOUR=2)
    for _ in in_context(app):
        campaign = CampaignFactory()
        client = visitor(app, BUSY)
        for i in range(4):
            sign(client, campaign, email=f"h{i}@example.org")
        assert [s.email for s in held()] == ["h2@example.org", "h3@example.org"]


def test_an_allowed_network_is_never_held(limited):
    campaign = CampaignFactory()
    client = visitor(limited, "198.51.100.20")
    for i in range(8):
        sign(client, campaign, email=f"a{i}@example.org")
    assert held() == []


def coordinator_of(app: Flask):
    client = visitor(app, "192.0.2.50")
    sign_in(client, AccountFactory(role=Role.COORDINATOR).email)
    return client


def test_the_console_lists_held_signatures_and_releasing_sends_their_emails(limited, mailbox):
    campaign = CampaignFactory(title="Fund suicide prevention research")
    client = visitor(limited, BUSY)
    for i in range(5):
        sign(client, campaign, email=f"r{i}@example.org")
    coordinator = coordinator_of(limited)
    page = coordinator.get("/console/held").get_data(as_text=True)
    assert BUSY in page and "Fund suicide prevention research" in page
    assert ">2</td>" in page
    assert ">2</a>" in coordinator.get("/console/campaigns").get_data(as_text=True)

    confirm = coordinator.get(f"/console/held/release?address={BUSY}")
    assert "Release 2 signatures from 203.0.113.9?" in confirm.get_data(as_text=True)
    assert held()  # asking changes nothing
    response = post(
        coordinator,
        "/console/held/release",
        f"/console/held/release?address={BUSY}",
        address=BUSY,
    )
    assert response.status_code == 303
    assert held() == []
    mailbox.wait_for("r3@example.org")
    mailbox.wait_for("r4@example.org")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signatures.release"))
    assert event.detail == {"address": BUSY, "count": 2}


def test_discarding_deletes_the_held_signatures_after_confirming(limited, mailbox):
    campaign = CampaignFactory()
    client = visitor(limited, BUSY)
    for i in range(5):
        sign(client, campaign, email=f"d{i}@example.org")
    coordinator = coordinator_of(limited)
    page = f"/console/held/discard?address={BUSY}"
    assert "The signatures are deleted" in coordinator.get(page).get_data(as_text=True)
    assert post(coordinator, "/console/held/discard", page, address=BUSY).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 3
    assert held() == []
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("sig%"))) == (
        "signatures.discard"
    )
    gone = coordinator.get(page)  # a stale confirmation page
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/console/held")
    assert coordinator.get("/console/held/explode?address=1.2.3.4").status_code == 404


def test_one_account_gets_at_most_three_reset_emails_an_hour(app, mailbox):
    AccountFactory(email="kim@coalition.example.org")
    for n in range(5):
        client = visitor(app, f"192.0.2.{n + 1}")  # from several addresses
        post(client, "/reset", "/reset", email="kim@coalition.example.org")
    assert emails_to("kim@coalition.example.org") == 3


def test_applications_are_limited_per_address_and_coordinator_notices_capped(app, mailbox):
    AccountFactory(role=Role.COORDINATOR, email="kim@coalition.example.org")
    same = visitor(app, BUSY)
    codes = []
    for n in range(6):
        data = {
            **APPLICATION,
            "website": f"https://org{n}.example.org",
            "contact_email": f"contact{n}@org{n}.example.org",
        }
        codes.append(post(same, "/partner", "/partner", **data).status_code)
    assert codes == [303] * 5 + [429]
    for n in range(6, 12):  # from other addresses: accepted, but coordinators hear of 10
        client = visitor(app, f"192.0.2.{n}")
        data = {
            **APPLICATION,
            "website": f"https://org{n}.example.org",
            "contact_email": f"contact{n}@org{n}.example.org",
        }
        assert post(client, "/partner", "/partner", **data).status_code == 303
    assert emails_to("kim@coalition.example.org") == 10
    assert emails_to("contact11@org11.example.org") == 1
