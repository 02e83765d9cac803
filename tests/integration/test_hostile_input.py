"""Input an attacker would send: control characters, ids beyond any row, overlong and
wrongly typed values, on PostgreSQL. Each gets a clear refusal (400 or 404), never a 500, and
changes nothing; and no visitor ever sees what a page showed another."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from wtforms.fields.core import UnboundField

from campaign.accounts.models import Role
from campaign.extensions import db
from campaign.letters.models import JointLetter
from campaign.partners.models import Partner
from campaign.web.fields import ChorusForm
from tests.conftest import csrf_token, in_context, make_app
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    PartnerFactory,
    TargetFactory,
)
from tests.support.files import image_bytes, upload_logo
from tests.support.web import post, sign_in
from tests.support.world import PERSONAS, build_world, signed_in_as

NUL = "a\x00b"


def table_sizes() -> dict[str, int]:
    """How many rows each table holds: what a refused request must leave as it was."""
    names = [t.name for t in db.metadata.sorted_tables]
    union = " UNION ALL ".join(f"SELECT '{n}', count(*) FROM {n}" for n in names)
    db.session.rollback()
    return dict(db.session.execute(text(union)).all())


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def coordinator(client):
    account = AccountFactory(role=Role.COORDINATOR)
    sign_in(client, account.email)
    return account


@pytest.mark.parametrize("value", [NUL, "a\x1bb", "a\x07b", "line\r\nbreak"])
def test_a_control_character_in_a_query_value_gets_the_400_page(client, coordinator, value):
    for path in ("/console/audit", "/console/applications", "/console/partners"):
        for name in ("actor", "action", "object", "q"):
            response = client.get(f"{path}?{urlencode({name: value})}")
            assert response.status_code == 400, (path, name)
            assert "We could not read that request" in response.get_data(as_text=True)
    assert client.get(f"/console/targets?{urlencode({'q': value})}").status_code == 400


def test_a_nul_in_a_form_field_gets_the_400_page_and_signs_nobody_in(client):
    AccountFactory(email="ab@test.org")
    token = csrf_token(client, "/sign-in")
    before = table_sizes()
    response = client.post(
        "/sign-in", data={"email": "a\x00b@test.org", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert table_sizes() == before


@pytest.mark.parametrize("letter_id", ["2147483648", "9" * 30])
def test_an_id_no_row_can_have_is_a_404(client, letter_id):
    partner = PartnerFactory()
    sign_in(client, AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id).email)
    assert client.get(f"/portal/letters/{letter_id}").status_code == 404
    assert client.get(f"/portal/letters/{letter_id}/withdraw").status_code == 404


def test_ids_beyond_any_row_in_forms_and_filters_get_a_message(client, coordinator):
    TargetFactory()
    assert client.get("/console/targets?list=99999999999").status_code == 200
    before = table_sizes()
    response = post(
        client,
        "/console/letters/new",
        "/console/letters/new",
        title="Fund research",
        body="Dear Senator,",
        targets=["99999999999"],
        target_list="99999999999",
        deadline="2027-01-10",
        campaign="-1",
    )
    assert response.status_code == 400
    assert "could not be coerced" in response.get_data(as_text=True)
    assert table_sizes() == before
    assert db.session.scalar(select(func.count()).select_from(JointLetter)) == 0


def test_saving_the_profile_without_a_new_logo_keeps_the_logo_and_saves_the_rest(client):
    partner = PartnerFactory(name="Hope Network", slug="hope-network")
    sign_in(client, AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id).email)
    assert upload_logo(client, image_bytes("PNG"), "logo.png").status_code == 303
    logo = db.session.scalar(select(Partner.logo))
    assert logo
    form = {
        "mission": "Family support, now statewide.",
        "website": "https://hope.example.org",
        "csrf_token": csrf_token(client, "/portal/profile"),
        "new_logo": (io.BytesIO(b""), ""),
    }
    response = client.post("/portal/profile", data=form, content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    saved = db.session.scalar(select(Partner))
    assert (saved.mission, saved.logo) == ("Family support, now statewide.", logo)


def test_one_visitors_message_never_reaches_another_through_the_page_cache(
    database, smtp_server, mailbox
):
    for app in in_context(make_app(database, smtp_server[0], PAGE_CACHE_SECONDS=60.0)):
        x, y = app.test_client(), app.test_client()
        assert x.get("/portal/").status_code == 302  # X now has "Please sign in" waiting
        assert "Please sign in" in x.get("/").get_data(as_text=True)
        assert "Please sign in" not in y.get("/").get_data(as_text=True)
        assert "Please sign in" not in x.get("/").get_data(as_text=True)  # shown once


def test_a_signed_in_header_never_reaches_a_stranger_through_the_page_cache(
    database, smtp_server, mailbox
):
    """A first visit (no cookie) is served the shared page, kept for a minute; someone signed
    in gets their own, with their link to the console, and the next stranger the shared one."""
    for app in in_context(make_app(database, smtp_server[0], PAGE_CACHE_SECONDS=60.0)):
        campaign = CampaignFactory(title="Fund research now")
        page = f"/campaigns/{campaign.slug}"
        AccountFactory(email="coordinator@example.org", role=Role.COORDINATOR)
        db.session.commit()

        def read(client: FlaskClient, page: str = page) -> str:
            response = client.get(page)
            assert response.status_code == 200
            return response.get_data(as_text=True)

        first = read(app.test_client())
        assert "Fund research now" in first and 'href="/console/"' not in first
        campaign.title = "Fund research today"  # the shared page still has the old title
        db.session.commit()
        coordinator = app.test_client()
        assert sign_in(coordinator, "coordinator@example.org").status_code == 303
        assert 'href="/console/"' in read(coordinator)
        later = read(app.test_client())
        assert "Fund research now" in later  # served from the cache
        assert 'href="/console/"' not in later
        assert 'href="/console/"' in read(coordinator)


def _forms(cls: type) -> list[type]:
    return [cls, *(form for sub in cls.__subclasses__() for form in _forms(sub))]


def form_fields() -> list[str]:
    """Every field name of every form (their modules are loaded with the app)."""
    return sorted(
        {
            name
            for form in _forms(ChorusForm)
            for name in dir(form)
            if isinstance(getattr(form, name), UnboundField)
        }
    )


# Every query value a view reads.
QUERY = ["q", "status", "actor", "action", "object", "list", "page", "focus", "state", "next"]
HOSTILE = {"nul": NUL, "huge": "9" * 30, "overlong": "x" * 5000, "wrong type": "-1.5e3"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_as_every_persona_with_hostile_values(app, client, world, persona):
    token, walked = signed_in_as(app, client, world, persona)
    fields = form_fields()
    assert len(fields) > 30
    for endpoint, method, url in walked:
        for kind, value in HOSTILE.items():
            before = table_sizes()
            if method == "GET":
                response = client.get(f"{url}?{urlencode(dict.fromkeys(QUERY, value))}")
            else:
                data = {**dict.fromkeys(fields, value), "csrf_token": token}
                response = client.post(url, data=data)
            label = f"{persona} {method} {url} ({endpoint}) with {kind} -> {response.status_code}"
            assert response.status_code < 500, label
            if response.status_code >= 400:
                assert table_sizes() == before, label
