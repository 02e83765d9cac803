"""Joint letters: drafting, opening, co-signing through a signatory, new versions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from campaign.accounts.models import Role
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.letters.co_signing import current_co_signers
from campaign.letters.models import JointLetter, LetterStatus
from campaign.targets.models import TargetList
from tests.support.factories import AccountFactory, PartnerFactory, TargetFactory
from tests.support.smtp import text_part
from tests.support.web import post, sign_in


@pytest.fixture
def people(app):
    coordinator = AccountFactory(email="kim@coalition.example.org")
    partner = PartnerFactory(name="Hope Network")
    admin = AccountFactory(
        email="ana@hope.example.org", role=Role.PARTNER_ADMIN, partner_id=partner.id
    )
    coordinator_client, partner_client = app.test_client(), app.test_client()
    sign_in(coordinator_client, coordinator.email)
    sign_in(partner_client, admin.email)
    return coordinator_client, partner_client


def draft(client, **changes):
    target = TargetFactory(name="Sen. Maria Delgado")
    fields = {
        "title": "Fund research into recovery",
        "body": "Dear Senator,\n\nWe ask **you**.",
        "targets": [str(target.id)],
        "deadline": (date.today() + timedelta(days=10)).isoformat(),
        **changes,
    }
    return post(client, "/console/letters/new", "/console/letters/new", **fields)


def letter() -> JointLetter:
    found = db.session.scalar(select(JointLetter))
    db.session.refresh(found)
    return found


def co_sign(client, name="Ana Ruiz", title="Executive Director", authorized="y", version=None):
    page = f"/portal/letters/{letter().id}"
    read = letter().current_version if version is None else version
    data = {"signatory_name": name, "signatory_title": title, "version": read}
    if authorized:
        data["authorized"] = authorized
    return post(client, f"{page}/co-sign", page, **data)


def test_a_letter_is_drafted_previewed_and_opened_to_partners(people, mailbox):
    coordinator, _ = people
    assert draft(coordinator).status_code == 303
    preview = coordinator.get(f"/console/letters/{letter().id}").get_data(as_text=True)
    assert "<strong>you</strong>" in preview and "Sen. Maria Delgado" in preview
    page = f"/console/letters/{letter().id}"
    post(
        coordinator,
        f"{page}/edit",
        f"{page}/edit",
        title="Fund recovery research",
        body="Dear Senator, edited.",
        targets=[str(t.id) for t in letter().targets],
        deadline=(date.today() + timedelta(days=10)).isoformat(),
    )
    assert (letter().current_version, letter().text) == (1, "Dear Senator, edited.")
    assert post(coordinator, f"{page}/open", page).status_code == 303
    assert letter().status == LetterStatus.OPEN
    [invitation] = mailbox.wait_for("ana@hope.example.org")
    assert "Fund recovery research" in invitation["Subject"]
    assert f"/portal/letters/{letter().id}" in text_part(invitation)


def test_a_partner_co_signs_through_an_authorized_signatory(people, app, mailbox):
    coordinator, partner = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    refused = co_sign(partner, authorized=None)
    assert refused.status_code == 400
    assert "Confirm that the signatory is authorized" in refused.get_data(as_text=True)
    assert co_sign(partner).status_code == 303
    public = app.test_client().get(f"/letters/{letter().slug}").get_data(as_text=True)
    assert "1 organization signed" in public
    assert "Hope Network" in public and "Ana Ruiz, Executive Director" in public
    assert "Gathering signatures from partner organizations until" in public


def test_a_new_version_needs_co_signers_to_confirm_again(people, app, mailbox):
    coordinator, partner = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    co_sign(partner)
    post(
        coordinator,
        f"{page}/edit",
        f"{page}/edit",
        title=letter().title,
        body="Dear Senator, a stronger ask.",
        targets=[str(t.id) for t in letter().targets],
        deadline=(date.today() + timedelta(days=10)).isoformat(),
    )
    assert letter().current_version == 2
    changed = mailbox.wait_for("ana@hope.example.org", 2)[1]
    assert "confirm your co-signature again" in changed["Subject"]
    public = app.test_client()
    assert "0 organizations signed" in public.get(f"/letters/{letter().slug}").get_data(
        as_text=True
    )
    portal = partner.get(f"/portal/letters/{letter().id}").get_data(as_text=True)
    assert "The text has changed since your organization co-signed" in portal
    co_sign(partner)
    assert "1 organization signed" in public.get(f"/letters/{letter().slug}").get_data(as_text=True)


def test_a_co_signature_can_be_withdrawn_after_confirming(people, app):
    coordinator, partner = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    co_sign(partner)
    confirm = partner.get(f"/portal/letters/{letter().id}/withdraw")
    assert "Withdraw your co-signature of" in confirm.get_data(as_text=True)
    post(partner, f"/portal/letters/{letter().id}/withdraw", f"/portal/letters/{letter().id}")
    assert "0 organizations signed" in app.test_client().get(f"/letters/{letter().slug}").get_data(
        as_text=True
    )


def test_co_signing_after_the_deadline_is_refused(people):
    coordinator, partner = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    found = letter()
    found.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = co_sign(partner)
    assert response.status_code == 409
    assert "The deadline for co-signing was" in response.get_data(as_text=True)


def test_a_letter_cannot_open_with_a_past_deadline(people):
    coordinator, _ = people
    draft(coordinator, deadline=(date.today() - timedelta(days=2)).isoformat())
    page = f"/console/letters/{letter().id}"
    response = post(coordinator, f"{page}/open", page)
    assert response.status_code == 409
    assert "deadline in the future" in response.get_data(as_text=True)
    assert letter().status == LetterStatus.DRAFT


def test_drafts_are_not_public(people, app):
    coordinator, partner = people
    draft(coordinator)
    assert app.test_client().get(f"/letters/{letter().slug}").status_code == 404
    assert partner.get(f"/portal/letters/{letter().id}").status_code == 404


def test_bad_letter_input_is_refused_beside_the_field(people):
    coordinator, _ = people
    response = post(
        coordinator,
        "/console/letters/new",
        "/console/letters/new",
        title="",
        body="",
        deadline="next week",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Give the letter a title.",
        "Write the letter.",
        "Choose at least one target.",
        "Give the deadline as a date.",
    ):
        assert message in page
    assert db.session.scalar(select(JointLetter)) is None


def test_co_signing_a_text_that_changed_meanwhile_is_refused(people):
    coordinator, partner = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    read = f"/portal/letters/{letter().id}"
    form_page = partner.get(read).get_data(as_text=True)
    assert 'name="version" value="1"' in form_page
    post(
        coordinator,
        f"{page}/edit",
        f"{page}/edit",
        title=letter().title,
        body="A different ask.",
        targets=[str(t.id) for t in letter().targets],
        deadline=(date.today() + timedelta(days=10)).isoformat(),
    )
    stale = post(
        partner,
        f"{read}/co-sign",
        read,
        signatory_name="Ana",
        signatory_title="ED",
        authorized="y",
        version="1",
    )
    assert stale.status_code == 409
    assert "changed while you were reading it" in stale.get_data(as_text=True)
    assert current_co_signers(letter()) == []


def test_the_text_cannot_change_after_co_signing_closed(people):
    coordinator, _ = people
    draft(coordinator)
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    found = letter()
    found.deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = post(
        coordinator,
        f"{page}/edit",
        f"{page}/edit",
        title=found.title,
        body="Late change.",
        targets=[str(t.id) for t in found.targets],
        deadline=(date.today() - timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 409
    assert "move the deadline into the future" in response.get_data(as_text=True)
    assert letter().current_version == 1


def test_a_far_future_deadline_is_refused_with_a_message(people):
    coordinator, _ = people
    response = draft(coordinator, deadline="9999-12-31")
    assert response.status_code == 400
    assert "within the next three years" in response.get_data(as_text=True)


def test_letter_markdown_cannot_carry_scripts(people, app):
    coordinator, _ = people
    draft(
        coordinator,
        body="Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    page = f"/console/letters/{letter().id}"
    post(coordinator, f"{page}/open", page)
    public = app.test_client().get(f"/letters/{letter().slug}").get_data(as_text=True)
    assert "<script>alert" not in public and "javascript:" not in public
    assert "onerror" not in public


def test_a_letter_can_be_addressed_to_everyone_on_a_named_list(people):
    coordinator, _ = people
    members = [TargetFactory(name=f"Member {n}") for n in range(3)]
    db.session.add(TargetList(name="Appropriations", targets=members))
    db.session.commit()
    target_list = db.session.scalar(select(TargetList))
    response = post(
        coordinator,
        "/console/letters/new",
        "/console/letters/new",
        title="To the committee",
        body="Dear members,",
        target_list=str(target_list.id),
        deadline=(date.today() + timedelta(days=10)).isoformat(),
    )
    assert response.status_code == 303
    assert sorted(t.name for t in letter().targets) == ["Member 0", "Member 1", "Member 2"]
