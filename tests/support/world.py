"""One of everything, and every route of the app, for tests that walk the whole app as
every kind of person."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from campaign.accounts.models import Role
from campaign.appeals.models import Appeal
from campaign.campaigns.models import Signature
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.letters.models import JointLetter, LetterStatus, LetterVersion
from campaign.partners.models import PartnerApplication, PartnerStatus
from campaign.targets.models import TargetImport
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    PartnerFactory,
    TargetFactory,
)

PERSONAS = ["anonymous", "member_a", "admin_a", "admin_b", "suspended_admin", "coordinator"]
# Signing in and out change who is asking; they have tests of their own.
SKIPPED = {"auth.sign_in", "auth.sign_out"}


def build_world() -> tuple[dict, dict]:
    """A campaign, partners A, B and a suspended one, an account per persona, an application,
    an import and an open letter; returns the accounts and the values for every route's
    arguments."""
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
    signature = Signature(
        campaign_id=campaign.id,
        full_name="Ann Lee",
        email="ann@example.org",
        email_normalized="ann@example.org",
        postal_code="20005",
        comment="For my brother.",
        confirmed_at=utcnow(),
    )
    appeal = Appeal(subject="Sign now", body="Please sign.", campaign_id=campaign.id)
    db.session.add_all([application, target_import, letter, signature, appeal])
    db.session.commit()
    values = {
        "slug": campaign.slug,
        "token": "t" * 43,
        "application_id": application.id,
        "partner_id": partner_a.id,
        "campaign_id": campaign.id,
        "change": "suspend",
        "step": "close",
        "signature_id": signature.id,
        "choice": "show",
        "action": "release",
        "filename": "css/chorus.css",
        "member_id": accounts["member_a"].id,
        "import_id": target_import.id,
        "letter_id": letter.id,
        "target_id": letter.targets[0].id,
        "letter_slug": letter.slug,
        "partner_slug": partner_a.slug,
        "appeal_id": appeal.id,
    }
    return accounts, values


def routes(app: Flask, values: dict) -> list[tuple[str, str, str]]:
    """Every route of the app but signing in and out: (endpoint, method, url)."""
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
            if rule.endpoint == "console.appeal_step":
                args["step"] = "pause"
            url = app.url_map.bind("localhost").build(rule.endpoint, args)
            for method in ("GET", "POST"):
                if method in rule.methods:
                    found.append((rule.endpoint, method, url))
    return found


def signed_in_as(app: Flask, client, world: tuple[dict, dict], persona: str):  # type: ignore[no-untyped-def]
    """Sign client in as persona (anonymous stays signed out); returns a form token for its
    session and every route to walk."""
    from tests.conftest import csrf_token
    from tests.support.web import sign_in

    accounts, values = world
    if persona != "anonymous":
        assert sign_in(client, accounts[persona].email).status_code == 303
    return csrf_token(client, "/partner"), routes(app, values)
