"""Small holes an attacker found: each closed, each tested through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaign.accounts import services as accounts
from campaign.accounts.models import Account, Role
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.core.audit import Actor
from campaign.extensions import db
from campaign.letters.models import CoSignature, JointLetter
from campaign.partners.models import PartnerStatus
from campaign.targets.models import Target
from tests.conftest import csrf_token, make_app
from tests.support.factories import AccountFactory, CampaignFactory, PartnerFactory
from tests.support.files import TARGETS_HEADER, upload_targets
from tests.support.letters import co_signed_as, open_letter
from tests.support.web import link_in, post, sign_in


@pytest.fixture
def partner():
    return PartnerFactory(name="Hope Network", website="https://hope.example.org")


@pytest.fixture
def admin(client, partner):
    account = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id)
    sign_in(client, account.email)
    return account


def open_letter_with_signature(partner) -> JointLetter:
    letter = open_letter()
    co_signed_as(letter, partner)
    return letter


def test_an_invitation_cannot_be_accepted_once_the_partner_is_suspended(client, partner, mailbox):
    coordinator = AccountFactory(role=Role.COORDINATOR)
    accounts.invite(Actor(coordinator.id), "new@hope.example.org", Role.PARTNER_ADMIN, partner)
    db.session.commit()
    [message] = mailbox.wait_for("new@hope.example.org")
    partner.status = PartnerStatus.SUSPENDED
    db.session.commit()
    path = link_in(message)
    page = client.get(path)
    assert page.status_code == 410
    assert "not an approved partner right now" in page.get_data(as_text=True)
    data = {
        "name": "New Admin",
        "password": "a long enough passphrase",
        "repeat": "a long enough passphrase",
        "csrf_token": csrf_token(client, "/partner"),
    }
    response = client.post(path, data=data)
    assert response.status_code == 410
    assert "not an approved partner right now" in response.get_data(as_text=True)
    assert db.session.scalar(select(Account).where(Account.email == "new@hope.example.org")) is None


def test_a_suspended_partners_admin_cannot_withdraw_a_co_signature(client, partner, admin):
    letter = open_letter_with_signature(partner)
    partner.status = PartnerStatus.SUSPENDED
    db.session.commit()
    page = f"/portal/letters/{letter.id}/withdraw"
    response = post(client, page, f"/portal/letters/{letter.id}")
    assert response.status_code == 409
    assert "not an approved partner right now" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(CoSignature.withdrawn_at)) is None


@pytest.mark.parametrize("version", [None, "", "1\x00", "abc", "99999999999"])
def test_co_signing_needs_the_version_that_was_read(client, partner, admin, version):
    letter = open_letter_with_signature(PartnerFactory())
    page = f"/portal/letters/{letter.id}"
    data = {"signatory_name": "Ana", "signatory_title": "ED", "authorized": "y"}
    if version is not None:
        data["version"] = version
    response = post(client, f"{page}/co-sign", page, **data)
    assert response.status_code == 400
    signed = (
        select(func.count()).select_from(CoSignature).where(CoSignature.partner_id == partner.id)
    )
    assert db.session.scalar(signed) == 0


def test_a_draft_campaign_is_not_found_from_the_portal(client, admin):
    draft = CampaignFactory(status=CampaignStatus.DRAFT, title="Secret plans")
    for response in (
        client.get(f"/portal/campaigns/{draft.id}/withdraw"),
        post(client, f"/portal/campaigns/{draft.id}/withdraw", "/portal/"),
    ):
        assert response.status_code == 404
        assert "Secret plans" not in response.get_data(as_text=True)
    assert db.session.get(Campaign, draft.id).status == CampaignStatus.DRAFT


@pytest.mark.parametrize("bad", ['"Sen.\r\nInjected"', "Sen.\x1b[31m", "Sen.\x07Bell"])
def test_a_target_csv_with_control_characters_imports_nothing(client, bad):
    sign_in(client, AccountFactory(role=Role.COORDINATOR).email)
    content = TARGETS_HEADER + f"Good,T,O,good@x.gov,,\n{bad},T,O,bad@x.gov,,\n"
    response = upload_targets(client, content.encode())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 3: The name holds a line break or another character" in page
    assert db.session.scalar(select(func.count()).select_from(Target)) == 0


@pytest.mark.parametrize(
    "website",
    ["https://ex ample.com", "https://example.com@evil.example", "https://example.org:port"],
)
def test_a_website_with_spaces_or_a_user_part_is_refused(client, partner, admin, website):
    response = post(
        client,
        "/portal/profile",
        "/portal/profile",
        mission="Family support.",
        website=website,
    )
    assert response.status_code == 400
    assert "Enter the full address" in response.get_data(as_text=True)
    db.session.rollback()
    assert partner.website == "https://hope.example.org"


def test_console_portal_and_account_pages_are_never_cached(client, admin):
    for path in ("/portal/", "/portal/profile", "/account", "/sign-in"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")


def test_hsts_is_sent_when_the_site_is_served_over_https(database, smtp_server):
    secure = make_app(database, smtp_server[0], BASE_URL="https://act.example.org")
    assert secure.test_client().get("/healthz").headers["Strict-Transport-Security"] == (
        "max-age=31536000"
    )
    plain = make_app(database, smtp_server[0])
    assert "Strict-Transport-Security" not in plain.test_client().get("/healthz").headers
