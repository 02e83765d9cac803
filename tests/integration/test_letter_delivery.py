"""Delivering a joint letter to its targets: one email each, idempotent, reported per target."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign.accounts.models import Role
from campaign.campaigns.models import Signature
from campaign.core.db import utcnow
from campaign.deliveries.models import LetterDelivery
from campaign.extensions import db
from campaign.letters import reminders
from campaign.mail import dispatcher
from campaign.mail.models import EmailStatus, OutboundEmail
from tests.support import services
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    EndorsementFactory,
    PartnerFactory,
    TargetFactory,
)
from tests.support.letters import co_signed_by, open_letter
from tests.support.processes import wait_until_worker_idle
from tests.support.smtp import html_part, text_part
from tests.support.web import post, sign_in


def confirmed_signatures(campaign, state: str, n: int) -> None:
    for i in range(n):
        db.session.add(
            Signature(
                campaign_id=campaign.id,
                full_name="S",
                email=f"{state}{i}@x.org",
                email_normalized=f"{state}{i}@x.org",
                postal_code="00000",
                state=state,
                confirmed_at=utcnow(),
            )
        )
    db.session.commit()


@pytest.fixture
def coordinator(client):
    AccountFactory(email="kim@coalition.example.org")
    sign_in(client, "kim@coalition.example.org")
    return client


def test_each_target_gets_the_letter_its_signers_and_the_counts(coordinator, mailbox, app):
    campaign = CampaignFactory()
    letter = open_letter(campaign)
    co_signed_by(letter, "Hope Network", "ana@hope.example.org")
    confirmed_signatures(campaign, "CA", 3)
    confirmed_signatures(campaign, "NY", 2)
    page = f"/console/letters/{letter.id}/deliver"
    preview = coordinator.get(page).get_data(as_text=True)
    assert "What Rep. Jordan Ellis will receive" in preview
    assert "Fund research: a joint letter from 1 organization" in preview

    assert post(coordinator, page, page).status_code == 303
    [ellis] = mailbox.wait_for("ellis@house.example.gov")
    [delgado] = mailbox.wait_for("delgado@senate.example.gov")
    body = text_part(delgado)
    assert body.startswith("To Sen. Maria Delgado, Chair, Health Committee")
    assert "**Fund it.**" in body and "<strong>Fund it.</strong>" in html_part(delgado)
    assert "Hope Network (Ana Ruiz, Director)" in body
    assert "5 people have signed the petition that goes with this letter, 3 of them in CA" in body
    assert "0 of them in TX" in text_part(ellis)
    [attachment] = list(delgado.iter_attachments())
    rows = list(csv.reader(io.StringIO(attachment.get_content())))
    assert rows[0][:3] == ["organization", "website", "signatory"]
    assert rows[1][:4] == ["Hope Network", "https://hope.example.org", "Ana Ruiz", "Director"]
    [notice] = mailbox.wait_for("ana@hope.example.org")
    assert "Delivered: Fund research" in notice["Subject"]

    status = coordinator.get(f"/console/letters/{letter.id}").get_data(as_text=True)
    assert status.count("<td>Sent</td>") == 2
    public = app.test_client().get("/letters/fund-research").get_data(as_text=True)
    assert "Delivered on" in public and "to 2 decision makers" in public


def test_a_second_click_sends_nothing_more(coordinator, mailbox):
    letter = open_letter()
    co_signed_by(letter, "Hope Network", "ana@hope.example.org")
    page = f"/console/letters/{letter.id}/deliver"
    post(coordinator, page, page)
    again = post(coordinator, page, page)
    assert again.status_code == 409 and "already delivered" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(LetterDelivery)).all()) == 2
    mailbox.wait_for("ellis@house.example.gov")
    assert len(mailbox.to("ellis@house.example.gov")) == 1


def test_a_letter_nobody_co_signed_is_not_delivered(coordinator, mailbox):
    letter = open_letter()
    page = f"/console/letters/{letter.id}/deliver"
    response = post(coordinator, page, page)
    assert response.status_code == 409
    assert "No organization has co-signed" in response.get_data(as_text=True)
    assert db.session.scalar(select(LetterDelivery)) is None


def test_a_redelivered_task_sends_one_email_per_target(worker_app, mailbox):
    letter = open_letter()
    co_signed_by(letter, "Hope Network", "ana@hope.example.org")
    client = worker_app.test_client()
    AccountFactory(email="kim@coalition.example.org")
    sign_in(client, "kim@coalition.example.org")
    page = f"/console/letters/{letter.id}/deliver"
    post(client, page, page)
    mailbox.wait_for("ellis@house.example.gov")
    rows = db.session.scalars(select(OutboundEmail).where(OutboundEmail.stream == "bulk")).all()
    dispatcher.dispatch([dispatcher.QueuedEmail(r.id, r.stream) for r in rows])  # again
    wait_until_worker_idle(services.REDIS_URL)
    assert len(mailbox.to("ellis@house.example.gov")) == 1
    assert len(mailbox.to("delgado@senate.example.gov")) == 1
    db.session.expire_all()
    assert all(r.status == EmailStatus.SENT for r in db.session.scalars(select(OutboundEmail)))


def test_a_targets_answer_is_recorded_and_shown_in_public(coordinator, app):
    letter = open_letter()
    page = f"/console/letters/{letter.id}"
    ellis = next(t for t in letter.targets if t.name == "Rep. Jordan Ellis")
    bad = post(
        coordinator,
        f"{page}/responses",
        page,
        target=str(ellis.id),
        responded_on="2026-11-20",
        summary="",
        link="javascript:alert(1)",
    )
    assert bad.status_code == 400
    assert "Summarize the answer." in bad.get_data(as_text=True)
    assert "Enter the full address" in bad.get_data(as_text=True)
    done = post(
        coordinator,
        f"{page}/responses",
        page,
        target=str(ellis.id),
        responded_on="2026-11-20",
        summary="Will raise it in committee.",
        link="https://house.example.gov/statement",
    )
    assert done.status_code == 303
    public = app.test_client().get("/letters/fund-research").get_data(as_text=True)
    assert (
        "Rep. Jordan Ellis</strong>, Chair, Health Committee, answered on 20 November 2026"
        in public
    )
    assert "Will raise it in committee." in public


def test_partners_that_have_not_co_signed_get_one_reminder(app, mailbox):
    letter = open_letter()
    letter.deadline = utcnow() + timedelta(days=2)
    db.session.commit()
    co_signed_by(letter, "Hope Network", "ana@hope.example.org")
    quiet = PartnerFactory(name="Quiet Org")
    AccountFactory(email="admin@quiet.example.org", role=Role.PARTNER_ADMIN, partner_id=quiet.id)
    assert reminders.send_reminders() == 1
    assert reminders.send_reminders() == 0  # once per partner per letter
    [reminder] = mailbox.wait_for("admin@quiet.example.org")
    assert "Reminder: co-sign" in reminder["Subject"]
    assert mailbox.to("ana@hope.example.org") == []


def test_no_reminder_while_the_deadline_is_far_off(app, mailbox):
    open_letter()  # five days away; reminders go three days before
    quiet = PartnerFactory(name="Quiet Org")
    AccountFactory(email="admin@quiet.example.org", role=Role.PARTNER_ADMIN, partner_id=quiet.id)
    assert reminders.send_reminders() == 0


def test_a_petition_goes_to_its_targets_with_counts_by_state_once(coordinator, mailbox, app):
    delgado = TargetFactory(
        name="Sen. Maria Delgado", email="delgado@senate.example.gov", state="CA"
    )
    grant = TargetFactory(name="Dr. Alicia Grant", email="grant@nimh.example.gov", state=None)
    campaign = CampaignFactory(title="Fund recovery research", targets=[delgado, grant])
    endorser = PartnerFactory(name="Hope Network")
    AccountFactory(email="ana@hope.example.org", role=Role.PARTNER_ADMIN, partner_id=endorser.id)
    EndorsementFactory(partner_id=endorser.id, campaign_id=campaign.id)
    confirmed_signatures(campaign, "CA", 4)
    confirmed_signatures(campaign, "OR", 1)
    page = f"/console/campaigns/{campaign.id}/deliver"
    preview = coordinator.get(page).get_data(as_text=True)
    assert "CA 4, OR 1" in preview and "Send to 2 targets" in preview
    assert post(coordinator, page, page).status_code == 303

    [to_delgado] = mailbox.wait_for("delgado@senate.example.gov")
    assert "a petition signed by 5 people" in to_delgado["Subject"]
    assert "5 people have signed this petition, 4 of them in CA" in text_part(to_delgado)
    [to_grant] = mailbox.wait_for("grant@nimh.example.gov")
    assert "of them in" not in text_part(to_grant)
    [attachment] = list(to_delgado.iter_attachments())
    assert attachment.get_content().splitlines() == ["state,confirmed_signers", "CA,4", "OR,1"]

    [told] = mailbox.wait_for("ana@hope.example.org")
    assert "Delivered: the petition Fund recovery research" in told["Subject"]
    assert "It is endorsed by Hope Network." in text_part(to_delgado)

    again = post(coordinator, page, page)
    assert again.status_code == 409 and "already delivered" in again.get_data(as_text=True)
    assert len(mailbox.to("delgado@senate.example.gov")) == 1
    status = coordinator.get(page).get_data(as_text=True)
    assert status.count("<td>Sent</td>") == 2
    public = app.test_client().get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "This petition was delivered on" in public


def test_a_campaign_chooses_its_targets_and_shows_their_answers(coordinator, app):
    campaign = CampaignFactory(title="Fund recovery research")
    delgado = TargetFactory(name="Sen. Maria Delgado")
    TargetFactory(name="Rep. Jordan Ellis")
    page = f"/console/campaigns/{campaign.id}"
    assert post(coordinator, f"{page}/targets", page, targets=[str(delgado.id)]).status_code == 303
    db.session.refresh(campaign)
    assert [t.name for t in campaign.targets] == ["Sen. Maria Delgado"]
    response = post(
        coordinator,
        f"{page}/responses",
        page,
        target=str(delgado.id),
        responded_on="2026-11-25",
        summary="Agreed to co-sponsor the bill.",
    )
    assert response.status_code == 303
    public = app.test_client().get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Agreed to co-sponsor the bill." in public and "answered on 25 November 2026" in public
