"""Partner profiles and logos, teams, and the public directory."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from campaign.accounts.models import Role
from campaign.extensions import db
from campaign.partners.models import Partner, PartnerStatus
from tests.conftest import csrf_token
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    EndorsementFactory,
    PartnerFactory,
)
from tests.support.files import image_bytes
from tests.support.files import upload_logo as upload
from tests.support.web import link_in, post, sign_in


@pytest.fixture
def admin(client):
    partner = PartnerFactory(name="Hope Network", slug="hope-network")
    account = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id, name="Ana")
    sign_in(client, account.email)
    return account


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_logo_is_re_encoded_as_a_small_png_and_shown(client, admin, fmt):
    assert upload(client, image_bytes(fmt), f"logo.{fmt.lower()}").status_code == 303
    partner = db.session.scalar(select(Partner))
    db.session.refresh(partner)
    stored = Image.open(io.BytesIO(partner.logo))
    assert stored.format == "PNG" and max(stored.size) == 400
    assert partner.mission == "Hope for families."
    logo = client.get(f"/partners/hope-network/logo.png?v={partner.logo_version}")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.data == partner.logo


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "must be a PNG, JPEG or WebP",
        ),
        (b"GIF89a" + b"\0" * 100, "x.gif", "must be a PNG, JPEG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "broken.png", "must be a PNG, JPEG or WebP"),
        (image_bytes("PNG")[:8] + b"\0" * (1024 * 1024 + 10), "huge.png", "1 MB or smaller"),
    ],
)
def test_a_refused_upload_keeps_the_old_logo_and_everything_else(
    client, admin, data, name, message
):
    upload(client, image_bytes("PNG"), "good.png")
    partner = db.session.scalar(select(Partner))
    db.session.refresh(partner)
    before = (partner.logo, partner.logo_version, partner.mission)
    response = upload(client, data, name, mission="Changed mission.")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(partner)
    assert (partner.logo, partner.logo_version, partner.mission) == before


def test_an_upload_over_two_megabytes_gets_a_clear_page(client, admin):
    response = upload(client, b"\0" * (3 * 1024 * 1024), "big.png")
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)


def test_a_bad_website_is_refused_beside_the_field(client, admin):
    response = client.post(
        "/portal/profile",
        data={
            "mission": "m",
            "website": "javascript:alert(1)",
            "csrf_token": csrf_token(client, "/portal/profile"),
        },
    )
    assert response.status_code == 400
    assert "Enter the full address" in response.get_data(as_text=True)


def test_an_admin_runs_the_team(client, admin, mailbox):
    member = AccountFactory(role=Role.PARTNER_MEMBER, partner_id=admin.partner_id, name="Bo")
    response = post(
        client,
        "/portal/team/invite",
        "/portal/team",
        name="Cy",
        email="cy@hope.example.org",
        role="partner_member",
    )
    assert response.status_code == 303
    [invitation] = mailbox.wait_for("cy@hope.example.org")
    assert "Hope Network" in invitation["Subject"]
    assert link_in(invitation).startswith("/invitation/")

    assert (
        post(
            client, f"/portal/team/{member.id}/role", "/portal/team", role="partner_admin"
        ).status_code
        == 303
    )
    db.session.refresh(member)
    assert member.role == Role.PARTNER_ADMIN

    confirm = client.get(f"/portal/team/{member.id}/remove")
    assert "Remove Bo?" in confirm.get_data(as_text=True)
    assert post(client, f"/portal/team/{member.id}/remove", "/portal/team").status_code == 303
    db.session.refresh(member)
    assert member.disabled_at is not None
    assert "Bo" not in client.get("/portal/team").get_data(as_text=True).split("<tbody>")[1]


def test_the_last_administrator_cannot_be_demoted_or_removed(client, admin):
    demote = post(client, f"/portal/team/{admin.id}/role", "/portal/team", role="partner_member")
    assert demote.status_code == 409
    assert "at least one administrator" in demote.get_data(as_text=True)
    remove = post(client, f"/portal/team/{admin.id}/remove", "/portal/team")
    assert remove.status_code == 409
    db.session.refresh(admin)
    assert admin.role == Role.PARTNER_ADMIN and admin.disabled_at is None


def test_a_removed_member_is_signed_out_and_cannot_sign_in(client, admin, app):
    member = AccountFactory(role=Role.PARTNER_MEMBER, partner_id=admin.partner_id)
    other = app.test_client()
    sign_in(other, member.email)
    assert other.get("/portal/").status_code == 200
    post(client, f"/portal/team/{member.id}/remove", "/portal/team")
    assert other.get("/portal/").status_code == 302
    assert sign_in(app.test_client(), member.email).status_code == 400


def test_the_directory_filters_by_focus_area_and_state(client):
    PartnerFactory(name="Youth First", focus_areas=["youth"], states_served=["CA"])
    PartnerFactory(name="Vets Together", focus_areas=["veterans"], states_served=["TX"])
    PartnerFactory(name="National Families", focus_areas=["family-support"], states_served=["US"])
    PartnerFactory(
        name="Suspended Org",
        focus_areas=["youth"],
        states_served=["CA"],
        status=PartnerStatus.SUSPENDED,
    )
    every = client.get("/partners").get_data(as_text=True)
    assert all(n in every for n in ("Youth First", "Vets Together", "National Families"))
    assert "Suspended Org" not in every
    youth = client.get("/partners?focus=youth").get_data(as_text=True)
    assert "Youth First" in youth and "Vets Together" not in youth
    texas = client.get("/partners?state=TX").get_data(as_text=True)
    assert "Vets Together" in texas and "National Families" in texas and "Youth First" not in texas
    assert client.get("/partners?focus=%3Cscript%3E&state=ZZ&page=abc").status_code == 200


def test_a_partner_page_lists_its_endorsements_and_the_home_page_counts_partners(client):
    partner = PartnerFactory(name="Hope Network", slug="hope-network", mission="Hope.")
    campaign = CampaignFactory(title="Fund recovery research")
    EndorsementFactory(partner_id=partner.id, campaign_id=campaign.id)
    PartnerFactory(status=PartnerStatus.SUSPENDED, slug="gone")
    page = client.get("/partners/hope-network").get_data(as_text=True)
    assert "Hope." in page and "Fund recovery research" in page
    assert client.get("/partners/gone").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "1 partner organization</a> and counting" in home


def test_a_removed_admins_invitations_stop_working_and_a_member_can_come_back(
    client, admin, app, mailbox
):
    other_admin = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=admin.partner_id)
    rogue = app.test_client()
    sign_in(rogue, other_admin.email)
    post(
        rogue,
        "/portal/team/invite",
        "/portal/team",
        email="me2@elsewhere.example.org",
        role="partner_admin",
    )
    pending = link_in(mailbox.wait_for("me2@elsewhere.example.org")[0])
    post(client, f"/portal/team/{other_admin.id}/remove", "/portal/team")
    assert client.get(pending).status_code == 410

    post(
        client,
        "/portal/team/invite",
        "/portal/team",
        email=other_admin.email,
        role="partner_member",
    )
    welcome_back = link_in(mailbox.wait_for(other_admin.email)[0])
    returning = app.test_client()
    returning.post(
        welcome_back,
        data={
            "name": "Back",
            "password": "a long passphrase!",
            "repeat": "a long passphrase!",
            "csrf_token": csrf_token(returning, welcome_back),
        },
    )
    db.session.refresh(other_admin)
    assert other_admin.disabled_at is None and other_admin.role == Role.PARTNER_MEMBER


def test_a_phone_photo_is_accepted_as_a_logo(client, admin):
    out = io.BytesIO()
    frames = [Image.new("RGB", (640, 480), (10, 20, 30)), Image.new("RGB", (640, 480))]
    frames[0].save(out, format="MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    assert upload(client, out.getvalue(), "photo.jpg").status_code == 303
