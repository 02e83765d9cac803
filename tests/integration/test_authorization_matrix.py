"""Every route in the app, as every kind of person: each gets exactly what its role allows,
and nobody ever gets a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from campaign.extensions import db
from campaign.models import (
    JointLetter,
    LetterStatus,
    LetterVersion,
    PartnerApplication,
    PartnerStatus,
    Role,
    TargetImport,
)
from campaign.models._types import utcnow
from tests.conftest import csrf_token
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    PartnerFactory,
    TargetFactory,
)
from tests.support.web import sign_in

PERSONAS = ["anonymous", "member_a", "admin_a", "admin_b", "suspended_admin", "coordinator"]
ADMIN_ONLY = {
    "portal.endorse",
    "portal.withdraw",
    "portal.profile",
    "portal.invite_member",
    "portal.change_role",
    "portal.remove_member",
    "portal.co_sign",
    "portal.withdraw_co_signature",
}
# Objects that belong to partner A: partner B's admin must not even learn they exist.
PARTNER_A_OBJECTS = {"portal.change_role", "portal.remove_member"}
# Signing in and out change who is asking; they have tests of their own.
SKIPPED = {"auth.sign_in", "auth.sign_out"}


def expectation(endpoint: str, persona: str) -> str:
    area = endpoint.split(".")[0]
    if area == "console":
        return {"anonymous": "sign-in", "coordinator": "view"}.get(persona, "forbidden")
    if area == "portal":
        if persona == "anonymous":
            return "sign-in"
        if persona == "coordinator" or (persona == "member_a" and endpoint in ADMIN_ONLY):
            return "forbidden"
        if persona in ("admin_b", "suspended_admin") and endpoint in PARTNER_A_OBJECTS:
            return "not-found"
        if persona == "suspended_admin":
            return "look-only"
        return "view"
    if endpoint == "auth.account_settings":
        return "sign-in" if persona == "anonymous" else "view"
    return "public"


@pytest.fixture
def world(app: Flask):
    campaign = CampaignFactory()
    partner_a, partner_b = PartnerFactory(), PartnerFactory()
    suspended = PartnerFactory(status=PartnerStatus.SUSPENDED)
    accounts = {
        "member_a": AccountFactory(role=Role.PARTNER_MEMBER, partner_id=partner_a.id),
        "admin_a": AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner_a.id),
        "admin_b": AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner_b.id),
        "suspended_admin": AccountFactory(role=Role.PARTNER_ADMIN, partner_id=suspended.id),
        "coordinator": AccountFactory(role=Role.COORDINATOR),
    }
    application = PartnerApplication(
        organization_name="Applicant",
        website="https://applicant.example.org",
        website_key="applicant.example.org",
        description="d",
        focus_areas=["youth"],
        states_served=["CA"],
        constituency_size="under-1k",
        contact_name="C",
        contact_title="T",
        contact_email="c@applicant.example.org",
        contact_email_key="c@applicant.example.org",
        statement_version="2026-11",
        agreed_at=db.func.now(),
    )
    target_import = TargetImport(filename="t.csv", content="name,title,office,email\n")
    letter = JointLetter(
        slug="open-letter",
        title="Open letter",
        status=LetterStatus.OPEN,
        deadline=utcnow() + timedelta(days=7),
        targets=[TargetFactory()],
    )
    letter.versions.append(LetterVersion(number=1, body="Dear Senator,"))
    db.session.add_all([application, target_import, letter])
    db.session.commit()
    values = {
        "slug": campaign.slug,
        "token": "t" * 43,
        "application_id": application.id,
        "partner_id": partner_a.id,
        "campaign_id": campaign.id,
        "change": "suspend",
        "filename": "css/chorus.css",
        "member_id": accounts["member_a"].id,
        "import_id": target_import.id,
        "letter_id": letter.id,
        "target_id": letter.targets[0].id,
        "letter_slug": letter.slug,
        "partner_slug": partner_a.slug,
    }
    return accounts, values


def routes(app: Flask, values: dict) -> list[tuple[str, str, str]]:
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIPPED:
                continue
            args = {arg: values[arg] for arg in rule.arguments}
            if rule.endpoint.startswith("public.partner_"):
                args["slug"] = values["partner_slug"]
            if rule.endpoint == "public.letter_page":
                args["slug"] = values["letter_slug"]
            url = app.url_map.bind("localhost").build(rule.endpoint, args)
            for method in ("GET", "POST"):
                if method in rule.methods:
                    found.append((rule.endpoint, method, url))
    return found


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_as_every_persona(app, client, world, persona):
    accounts, values = world
    if persona != "anonymous":
        assert sign_in(client, accounts[persona].email).status_code == 303
    token = csrf_token(client, "/partner")
    walked = routes(app, values)
    assert {"console.approve", "portal.endorse", "public.sign", "auth.account_settings"} <= {
        endpoint for endpoint, _, _ in walked
    }
    for endpoint, method, url in walked:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        status, where = response.status_code, response.headers.get("Location", "")
        label = f"{persona} {method} {url} ({endpoint}) -> {status}"
        assert status < 500, label
        expected = expectation(endpoint, persona)
        if expected == "sign-in":
            assert status == 302 and "/sign-in" in where, label
        elif expected == "forbidden":
            assert status == 403, label
        elif expected == "not-found":
            assert status == 404, label
        elif expected == "view" and method == "GET":
            assert status == 200 or (status == 302 and "/sign-in" not in where), label
        elif expected == "view":  # a POST without its fields: taken, or refused for its input
            assert status in (303, 400, 409), label
        elif expected == "look-only":  # a suspended partner's staff may look but not act
            assert status == 200 if method == "GET" else status in (400, 404, 409), label
        else:
            assert status != 403, label
