"""Coordinators decide applications and manage partners; partners endorse campaigns."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from campaign.accounts.models import Account, Role
from campaign.core.audit import AuditEvent
from campaign.extensions import db
from campaign.mail import outbox
from campaign.mail.models import OutboundEmail
from campaign.partners.models import ApplicationStatus, Partner, PartnerStatus
from tests.conftest import csrf_token
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    EndorsementFactory,
    PartnerFactory,
    queued_email,
)
from tests.support.smtp import text_part
from tests.support.web import APPLICATION, an_application, link_in, post, sign_in


@pytest.fixture
def coordinator(client):
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    return account


def test_approving_creates_the_partner_and_invites_its_contact(client, coordinator, mailbox):
    application = an_application()
    page = f"/console/applications/{application.id}"
    assert "Families for Recovery" in client.get("/console/applications").get_data(as_text=True)
    response = post(client, f"{page}/approve", page)
    assert response.status_code == 303
    partner = db.session.scalar(select(Partner))
    assert (partner.name, partner.status, partner.slug) == (
        "Families for Recovery",
        PartnerStatus.APPROVED,
        "families-for-recovery",
    )
    assert partner.referral_code and partner.focus_areas == APPLICATION["focus_areas"]
    db.session.refresh(application)
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by_id == coordinator.id

    [invitation] = mailbox.wait_for("dana@families.example.org")
    assert "Families for Recovery" in invitation["Subject"]
    invitee = type(client)(client.application, client.response_wrapper)
    path = link_in(invitation)
    invitee.post(
        path,
        data={
            "name": "Dana",
            "password": "a long passphrase!",
            "repeat": "a long passphrase!",
            "csrf_token": csrf_token(invitee, path),
        },
    )
    account = db.session.scalar(select(Account).where(Account.email == "dana@families.example.org"))
    assert (account.role, account.partner_id) == (Role.PARTNER_ADMIN, partner.id)

    again = post(client, f"{page}/approve", page)
    assert again.status_code == 409
    assert "already approved" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 1


def test_rejecting_needs_a_reason_which_is_emailed(client, coordinator, mailbox):
    application = an_application()
    page = f"/console/applications/{application.id}"
    empty = post(client, f"{page}/reject", page, reason="  ")
    assert empty.status_code == 400 and "Give the reason" in empty.get_data(as_text=True)
    assert (
        post(client, f"{page}/reject", page, reason="Not a mental-health organization.").status_code
        == 303
    )
    [message] = mailbox.wait_for("dana@families.example.org")
    assert "Not a mental-health organization." in text_part(message)
    twice = post(client, f"{page}/reject", page, reason="Again.")
    assert twice.status_code == 409 and "already rejected" in twice.get_data(as_text=True)


def test_a_suspended_partners_endorsements_leave_public_pages(client, coordinator):
    campaign = CampaignFactory()
    partner = PartnerFactory(name="Hope Network")
    EndorsementFactory(partner_id=partner.id, campaign_id=campaign.id, statement="We stand.")
    public = type(client)(client.application, client.response_wrapper)
    assert "Hope Network" in public.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    confirm = client.get(f"/console/partners/{partner.id}/suspend")
    assert "Suspend Hope Network?" in confirm.get_data(as_text=True)
    post(client, f"/console/partners/{partner.id}/suspend", "/console/partners")
    assert "Hope Network" not in public.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    post(client, f"/console/partners/{partner.id}/reinstate", "/console/partners")
    assert "Hope Network" in public.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)


def test_privileged_actions_are_in_the_audit_log(client, coordinator, mailbox):
    application = an_application()
    page = f"/console/applications/{application.id}"
    post(client, f"{page}/approve", page)
    partner = db.session.scalar(select(Partner))
    post(client, f"/console/partners/{partner.id}/suspend", "/console/partners")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == [
        "application.approve",
        "account.invite",
        "partner.suspend",
    ]
    assert all(e.actor_id == coordinator.id and e.ip_address == "127.0.0.1" for e in events)
    log = client.get("/console/audit?action=partner.suspend").get_data(as_text=True)
    assert "partner.suspend" in log and "application.approve" not in log.split("<tbody>")[1]
    assert "kim@coalition.example.org" in log


def test_a_partner_admin_endorses_and_withdraws(client):
    campaign = CampaignFactory(title="Fund youth trials")
    partner = PartnerFactory(name="Youth Mind")
    admin = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id)
    sign_in(client, admin.email)
    response = post(
        client,
        f"/portal/campaigns/{campaign.id}/endorse",
        "/portal/",
        statement="Young people deserve better research.",
    )
    assert response.status_code == 303
    public = type(client)(client.application, client.response_wrapper)
    page = public.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Youth Mind" in page and "Young people deserve better research." in page
    confirm = client.get(f"/portal/campaigns/{campaign.id}/withdraw")
    assert "Withdraw your endorsement of Fund youth trials?" in confirm.get_data(as_text=True)
    post(client, f"/portal/campaigns/{campaign.id}/withdraw", "/portal/")
    assert "Youth Mind" not in public.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)


def test_a_partner_member_cannot_endorse(client):
    campaign = CampaignFactory()
    partner = PartnerFactory()
    member = AccountFactory(role=Role.PARTNER_MEMBER, partner_id=partner.id)
    sign_in(client, member.email)
    assert "administrator can endorse" in client.get("/portal/").get_data(as_text=True)
    response = post(client, f"/portal/campaigns/{campaign.id}/endorse", "/portal/")
    assert response.status_code == 403


def test_a_suspended_partner_cannot_endorse(client):
    campaign = CampaignFactory()
    partner = PartnerFactory(status=PartnerStatus.SUSPENDED)
    admin = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id)
    sign_in(client, admin.email)
    response = post(client, f"/portal/campaigns/{campaign.id}/endorse", "/portal/")
    assert response.status_code == 409
    assert "not an approved partner" in response.get_data(as_text=True)


def test_the_audit_log_filters_by_object_and_shows_details(client, coordinator, mailbox):
    application = an_application()
    page = f"/console/applications/{application.id}"
    post(client, f"{page}/reject", page, reason="Out of scope.")
    log = client.get("/console/audit?object=application").get_data(as_text=True)
    assert "application.reject" in log and "reason: Out of scope." in log
    other = client.get("/console/audit?object=account").get_data(as_text=True)
    assert "<td>application.reject</td>" not in other and "Nothing recorded yet." in other


def test_a_failed_endorsement_shows_its_error_under_its_own_campaign(client):
    first, second = CampaignFactory(), CampaignFactory()
    partner = PartnerFactory()
    admin = AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id)
    sign_in(client, admin.email)
    response = post(
        client, f"/portal/campaigns/{second.id}/endorse", "/portal/", statement="x" * 501
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("Keep the statement under 500 characters.") == 1
    assert f'id="statement-{second.id}-error"' in page and first.title in page


def test_the_mail_page_counts_emails_by_path_and_shows_resends_and_failures(
    client, coordinator, mailbox
):
    sent = queued_email("ann@example.org")
    outbox.deliver(sent.id)
    outbox.deliver(queued_email("reject@example.org").id)
    queued_email("later@example.org")
    db.session.execute(update(OutboundEmail).where(OutboundEmail.id == sent.id).values(resends=2))
    db.session.commit()
    page = client.get("/console/mail").get_data(as_text=True)
    row = page.split('<th scope="row">Transactional</th>')[1].split("</tr>")[0]
    waiting, sending, sent_, failed, suppressed = re.findall(r"<td>([\d,]+)</td>", row)
    assert (waiting, sending, sent_, failed, suppressed) == ("1", "0", "1", "1", "0")
    assert "Possible duplicates</dt><dd>2" in page
    assert "reject@example.org" in page and "550 5.1.1 Mailbox does not exist" in page
