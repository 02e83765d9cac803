"""The "How to partner" page: organizations apply, applicant and coordinators are emailed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaign.accounts.services import create_coordinator
from campaign.extensions import db
from campaign.mail.models import OutboundEmail
from campaign.partners.models import ApplicationStatus, PartnerApplication
from campaign.partners.statement import STATEMENT, STATEMENT_VERSION
from tests.conftest import csrf_token
from tests.support.factories import PartnerFactory
from tests.support.smtp import text_part
from tests.support.web import APPLICATION


def apply(client, **changes):
    data = {**APPLICATION, **changes, "csrf_token": csrf_token(client, "/partner")}
    return client.post("/partner", data={k: v for k, v in data.items() if v is not None})


def applications() -> int:
    return db.session.scalar(select(func.count()).select_from(PartnerApplication))


def test_the_page_explains_partnering_and_labels_every_field(client):
    page = client.get("/partner").get_data(as_text=True)
    assert STATEMENT in page
    assert "asks for no money" in page and "keep your own programs" in page.lower()
    for label in (
        "Organization name",
        "Website",
        "What your organization does",
        "States served",
        "Approximate constituency size",
        "Contact name",
        "Contact&#39;s title",
        "Contact email",
        "I agree to the coalition statement above on behalf of my organization",
    ):
        assert label in page
    assert "<legend>Focus areas</legend>" in page and "Suicide prevention" in page


def test_an_application_is_recorded_and_acknowledged(client, mailbox):
    create_coordinator("kim@coalition.example.org", "a long passphrase")
    create_coordinator("lee@coalition.example.org", "a long passphrase")
    response = apply(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/partner/thanks")
    assert "Thank you for applying" in client.get("/partner/thanks").get_data(as_text=True)

    application = db.session.scalar(select(PartnerApplication))
    assert application.status == ApplicationStatus.PENDING
    assert application.statement_version == STATEMENT_VERSION
    assert application.agreed_at is not None
    assert application.focus_areas == ["family-support", "serious-mental-illness"]
    assert application.states_served == ["OH", "PA"]
    assert application.website_key == "families.example.org"

    [ack] = mailbox.wait_for("dana@families.example.org")
    assert "We have your application" in ack["Subject"]
    assert "Families for Recovery" in text_part(ack)
    for coordinator in ("kim@coalition.example.org", "lee@coalition.example.org"):
        [notice] = mailbox.wait_for(coordinator)
        assert "New partner application: Families for Recovery" in notice["Subject"]
        assert "dana@families.example.org" in text_part(notice)


@pytest.mark.parametrize(
    ("changes", "what"),
    [
        (
            {"website": "http://families.example.org", "contact_email": "other@example.org"},
            "website",
        ),
        (
            {
                "website": "https://another.example.org",
                "contact_email": "DANA@families.example.org",
            },
            "contact email",
        ),
    ],
)
def test_a_second_application_while_one_is_pending_gets_a_clear_message(
    client, mailbox, changes, what
):
    assert apply(client).status_code == 303
    mailbox.wait_for("dana@families.example.org")
    response = apply(client, **changes)
    assert response.status_code == 409
    assert f"An application for this {what} is already waiting for review" in (
        response.get_data(as_text=True)
    )
    assert applications() == 1
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 1


def test_an_organization_can_apply_again_once_its_application_was_decided(client, mailbox):
    apply(client)
    application = db.session.scalar(select(PartnerApplication))
    application.status = ApplicationStatus.REJECTED
    db.session.commit()
    assert apply(client).status_code == 303
    assert applications() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agree": None}, "Your organization must agree to the coalition statement."),
        ({"website": "families.example.org"}, "Enter the full address, like https://example.org."),
        ({"website": "javascript:alert(1)"}, "Enter the full address"),
        ({"focus_areas": None}, "Choose at least one focus area."),
        ({"focus_areas": ["astrology"]}, "not a valid choice"),
        ({"states_served": ["ZZ"]}, "not a valid choice"),
        ({"constituency_size": ""}, "Choose the approximate size of your constituency."),
        ({"contact_email": "dana@"}, "Check the email address"),
        ({"organization_name": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"description": "x" * 2001}, "Keep this under 2,000 characters."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, mailbox, changes, message):
    response = apply(client, **changes)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert applications() == 0
    assert 'value="Families for Recovery"' in response.get_data(as_text=True) or (
        "organization_name" in changes
    )


def test_an_organization_that_is_already_a_partner_is_told_so(client, mailbox):
    PartnerFactory(website="https://families.example.org")
    response = apply(client)
    assert response.status_code == 409
    assert "already a partner" in response.get_data(as_text=True)
    assert applications() == 0
