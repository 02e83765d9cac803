"""Signing in and out, password resets, invitations and email changes, through the pages."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from campaign.accounts.models import Account, AccountToken, Role
from campaign.core.db import utcnow
from campaign.extensions import db
from tests.conftest import csrf_token, make_app, rolled_back
from tests.support.factories import PASSWORD, AccountFactory, PartnerFactory
from tests.support.web import link_in, sign_in


def test_a_coordinator_signs_in_and_out(client):
    AccountFactory(email="kim@coalition.example.org")
    response = sign_in(client, "Kim@Coalition.example.org ")
    assert (
        response.status_code == 303
        and response.headers["Location"].endswith("/console/applications")
    ) or response.headers["Location"].endswith("/console/")
    assert client.get("/console/applications").status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/sign-out").status_code == 405  # signing out takes a POST
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/console/applications")})
    assert client.get("/console/applications").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    AccountFactory(email="kim@coalition.example.org")
    wrong = sign_in(client, "kim@coalition.example.org", "not the password")
    unknown = sign_in(client, "nobody@coalition.example.org")
    assert wrong.status_code == unknown.status_code == 400
    message = "That email and password do not match an account."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_a_disabled_account_cannot_sign_in(client):
    AccountFactory(email="gone@example.org", disabled_at=utcnow())
    assert sign_in(client, "gone@example.org").status_code == 400


def test_sign_in_attempts_are_limited_per_email(client):
    AccountFactory(email="kim@coalition.example.org")
    statuses = [sign_in(client, "kim@coalition.example.org", "guess").status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    assert "Too many attempts" in sign_in(client, "kim@coalition.example.org").get_data(
        as_text=True
    )


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(client, target):
    AccountFactory(email="kim@coalition.example.org")
    response = sign_in(client, "kim@coalition.example.org", next_url=target)
    assert response.headers["Location"].startswith("/console")


def test_sign_in_returns_to_the_page_asked_for(client):
    AccountFactory(email="kim@coalition.example.org")
    response = sign_in(client, "kim@coalition.example.org", next_url="/console/audit")
    assert response.headers["Location"] == "/console/audit"


def test_password_reset_answers_the_same_and_the_link_works_once(client, mailbox):
    AccountFactory(email="kim@coalition.example.org")
    token = csrf_token(client, "/reset")
    known = client.post("/reset", data={"email": "kim@coalition.example.org", "csrf_token": token})
    unknown = client.post("/reset", data={"email": "who@example.org", "csrf_token": token})
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    [message] = mailbox.wait_for("kim@coalition.example.org")
    path = link_in(message)
    new = "a brand new passphrase"
    response = client.post(
        path, data={"password": new, "repeat": new, "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 303
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert sign_in(client, "kim@coalition.example.org", new).status_code == 303
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert mailbox.to("who@example.org") == []


def test_an_expired_reset_link_gets_a_clear_page(client, mailbox):
    AccountFactory(email="kim@coalition.example.org")
    client.post(
        "/reset",
        data={"email": "kim@coalition.example.org", "csrf_token": csrf_token(client, "/reset")},
    )
    path = link_in(mailbox.wait_for("kim@coalition.example.org")[0])
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "This link has expired." in page.get_data(as_text=True)
    assert "Ask for a new reset link" in page.get_data(as_text=True)


def test_an_invitation_sets_up_a_coordinator_once(client, mailbox):
    AccountFactory(email="kim@coalition.example.org")
    sign_in(client, "kim@coalition.example.org")
    client.post(
        "/console/coordinators/invite",
        data={
            "name": "Lee",
            "email": "lee@coalition.example.org",
            "csrf_token": csrf_token(client, "/console/coordinators/invite"),
        },
    )
    [message] = mailbox.wait_for("lee@coalition.example.org")
    assert "coordinator" in message["Subject"]
    invitee = type(client)(client.application, client.response_wrapper)
    path = link_in(message)
    data = {
        "name": "Lee Park",
        "password": "another long passphrase",
        "repeat": "another long passphrase",
        "csrf_token": csrf_token(invitee, path),
    }
    assert invitee.post(path, data=data).status_code == 303
    account = db.session.scalar(select(Account).where(Account.email == "lee@coalition.example.org"))
    assert (account.role, account.name) == (Role.COORDINATOR, "Lee Park")
    assert account.password_hash.startswith("$argon2id$")
    used = invitee.get(path)
    assert used.status_code == 410 and "already been used" in used.get_data(as_text=True)


def test_a_mismatched_or_short_password_is_refused_beside_the_field(client, mailbox):
    account = AccountFactory(email="kim@coalition.example.org")
    client.post("/reset", data={"email": account.email, "csrf_token": csrf_token(client, "/reset")})
    path = link_in(mailbox.wait_for(account.email)[0])
    token = csrf_token(client, path)
    short = client.post(path, data={"password": "short", "repeat": "short", "csrf_token": token})
    assert short.status_code == 400 and "Use at least 12 characters." in short.get_data(
        as_text=True
    )
    differ = client.post(path, data={"password": "x" * 12, "repeat": "y" * 12, "csrf_token": token})
    assert "The two passwords differ." in differ.get_data(as_text=True)


def test_an_email_change_takes_effect_only_from_the_new_address(client, mailbox):
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    response = client.post(
        "/account",
        data={
            "new_email": "kim@new.example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 303
    db.session.refresh(account)
    assert account.email == "kim@coalition.example.org"
    path = link_in(mailbox.wait_for("kim@new.example.org")[0])
    client.get(path)
    db.session.refresh(account)
    assert account.email == "kim@coalition.example.org"  # opening the link is not enough
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    db.session.refresh(account)
    assert account.email == "kim@new.example.org"


def test_an_email_change_needs_the_current_password(client, mailbox):
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    response = client.post(
        "/account",
        data={
            "new_email": "kim@new.example.org",
            "password": "wrong",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 400
    assert "That password is not right." in response.get_data(as_text=True)


def test_partner_staff_land_in_the_portal(client):
    partner = PartnerFactory()
    AccountFactory(email="ana@partner.example.org", role=Role.PARTNER_ADMIN, partner_id=partner.id)
    response = sign_in(client, "ana@partner.example.org")
    assert response.headers["Location"].endswith("/portal/")
    assert partner.name in client.get("/portal/").get_data(as_text=True)


def copy_session(source, target) -> None:
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def test_signing_out_ends_every_session_even_a_copied_cookie(client, app):
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/console/applications").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert thief.get("/console/applications").status_code == 302


def test_a_new_password_ends_other_sessions_and_voids_other_links(client, app, mailbox):
    account = AccountFactory(email="kim@coalition.example.org")
    elsewhere = app.test_client()
    sign_in(elsewhere, account.email)
    for _ in range(2):
        client.post(
            "/reset", data={"email": account.email, "csrf_token": csrf_token(client, "/reset")}
        )
    first, second = (link_in(m) for m in mailbox.wait_for(account.email, 2))
    new = "a brand new passphrase"
    client.post(
        first, data={"password": new, "repeat": new, "csrf_token": csrf_token(client, first)}
    )
    assert elsewhere.get("/console/applications").status_code == 302
    assert client.get(second).status_code == 410


def test_the_audit_log_records_the_real_client_behind_a_trusted_proxy(app, client, mailbox):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from campaign.core.audit import AuditEvent

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    account = AccountFactory(email="kim@coalition.example.org")
    headers = {"X-Forwarded-For": "203.0.113.9"}
    client.post(
        "/sign-in",
        headers=headers,
        data={
            "email": account.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    client.post(
        "/console/coordinators/invite",
        headers=headers,
        data={
            "email": "lee@coalition.example.org",
            "csrf_token": csrf_token(client, "/console/coordinators/invite"),
        },
    )
    event = db.session.scalar(select(AuditEvent))
    assert event.ip_address == "203.0.113.9"


def test_an_idle_session_ends_on_the_server_side(client, app):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    assert client.get("/console/applications").status_code == 200
    time.sleep(2.2)  # the signed cookie is now older than the lifetime
    assert client.get("/console/applications").status_code == 302


def test_the_session_cookie_is_secure_when_served_over_https(database, smtp_server):
    app = make_app(database, smtp_server[0], BASE_URL="https://act.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with contextmanager(rolled_back)(app):
        AccountFactory(email="kim@coalition.example.org")
        client = app.test_client()
        response = sign_in(client, "kim@coalition.example.org")
        assert "Secure" in response.headers["Set-Cookie"]


def test_an_expired_invitation_gets_a_clear_page(client, mailbox):
    AccountFactory(email="kim@coalition.example.org")
    sign_in(client, "kim@coalition.example.org")
    client.post(
        "/console/coordinators/invite",
        data={
            "email": "lee@coalition.example.org",
            "csrf_token": csrf_token(client, "/console/coordinators/invite"),
        },
    )
    path = link_in(mailbox.wait_for("lee@coalition.example.org")[0])
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "This link has expired." in page.get_data(as_text=True)
