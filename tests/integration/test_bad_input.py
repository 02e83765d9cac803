"""Bad input gets a clear message and changes nothing; never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from campaign.campaigns.models import Signature
from campaign.extensions import db
from campaign.mail.models import OutboundEmail
from tests.conftest import csrf_token
from tests.support.factories import CampaignFactory

GOOD = {"full_name": "Ann Lee", "email": "ann@example.org", "postal_code": "20005"}


def rows() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Signature)),
        db.session.scalar(select(func.count()).select_from(OutboundEmail)),
    )


@pytest.fixture
def campaign():
    return CampaignFactory()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "", "Enter your full name."),
        ("full_name", "   ", "Enter your full name."),
        ("full_name", "A" * 201, "Keep your name under 200 characters."),
        ("full_name", "Ann\nLee", "characters that are not allowed"),
        ("email", "", "Enter your email address"),
        ("email", "ann@", "Check your email address"),
        ("email", "ann@example", "Check your email address"),
        ("email", "a" * 250 + "@example.org", "That email address is too long."),
        ("postal_code", "", "Enter your ZIP code."),
        ("postal_code", "ABCDE", "Enter a 5-digit US ZIP code"),
        ("postal_code", "00000", "We could not find that ZIP code"),
        ("postal_code", "123456789012", "Field cannot be longer than 10 characters."),
        ("comment", "x" * 1001, "Keep your comment under 1,000 characters."),
    ],
)
def test_each_field_is_checked_with_a_message_beside_it(client, campaign, field, value, message):
    url = f"/campaigns/{campaign.slug}"
    data = {**GOOD, field: value, "csrf_token": csrf_token(client, url)}
    response = client.post(f"{url}/sign", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'id="{field}-error"' in page
    assert rows() == (0, 0)
    # What the person typed in the other fields is kept.
    if field != "full_name":
        assert 'value="Ann Lee"' in page


def test_a_missing_csrf_token_gets_a_clear_400_page(client, campaign):
    response = client.post(f"/campaigns/{campaign.slug}/sign", data=GOOD)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert rows() == (0, 0)


def test_a_stale_csrf_token_gets_a_clear_400_page(client, campaign):
    response = client.post(
        f"/campaigns/{campaign.slug}/sign", data={**GOOD, "csrf_token": "IjEyMyI.stale.token"}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert rows() == (0, 0)


def test_input_that_is_not_utf8_is_refused_whole(client, campaign):
    url = f"/campaigns/{campaign.slug}"
    body = f"csrf_token={csrf_token(client, url)}&full_name=%FF%FEAnn&email=ann%40example.org"
    body += "&postal_code=20005"
    response = client.post(
        f"{url}/sign", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "We could not read that request" in response.get_data(as_text=True)
    assert rows() == (0, 0)


def test_raw_bytes_that_are_not_utf8_are_refused_whole(client, campaign):
    url = f"/campaigns/{campaign.slug}"
    body = f"csrf_token={csrf_token(client, url)}&full_name=".encode() + b"\xff\xfeAnn"
    body += b"&email=ann%40example.org&postal_code=20005"
    response = client.post(
        f"{url}/sign", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert rows() == (0, 0)


def test_an_oversized_request_is_refused(client, campaign):
    url = f"/campaigns/{campaign.slug}"
    data = {**GOOD, "comment": "x" * 100_000, "csrf_token": csrf_token(client, url)}
    response = client.post(f"{url}/sign", data=data)
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)
    assert rows() == (0, 0)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_methods_get_a_clear_page(client, campaign, method):
    response = getattr(client, method)(f"/campaigns/{campaign.slug}/sign")
    assert response.status_code == 405
    assert "That action is not available here" in response.get_data(as_text=True)


def test_renewing_without_a_token_is_refused(client):
    response = client.post("/confirm/whatever/renew")
    assert response.status_code == 400


def test_a_bogus_confirmation_post_changes_nothing(client, campaign):
    token = csrf_token(client, f"/campaigns/{campaign.slug}")
    response = client.post("/confirm/" + "x" * 300, data={"csrf_token": token})
    assert response.status_code == 404
    assert rows() == (0, 0)


@pytest.mark.parametrize(
    "path", ["/campaigns/%00", "/campaigns/a%00b/check-email", "/confirm/%00", "/%00"]
)
def test_a_nul_in_the_address_is_not_found_not_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_nul_in_the_sign_address_changes_nothing(client, campaign):
    token = csrf_token(client, f"/campaigns/{campaign.slug}")
    response = client.post("/campaigns/%00/sign", data={**GOOD, "csrf_token": token})
    assert response.status_code == 404
    assert rows() == (0, 0)


def test_an_overlong_campaign_address_is_not_found(client):
    assert client.get("/campaigns/" + "a" * 5000).status_code == 404


def test_a_mailbox_name_most_servers_cannot_deliver_to_is_refused(client, campaign):
    url = f"/campaigns/{campaign.slug}"
    data = {**GOOD, "email": "jösé@example.org", "csrf_token": csrf_token(client, url)}
    response = client.post(f"{url}/sign", data=data)
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert rows() == (0, 0)


def test_the_405_page_says_which_methods_are_allowed(client, campaign):
    response = client.get(f"/campaigns/{campaign.slug}/sign")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"] and "GET" not in response.headers["Allow"]
