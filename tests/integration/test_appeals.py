"""Appeals, sent in-process to the test SMTP server: contacts from confirmed signatures,
audiences, compose/preview/test/send in the console, one message per recipient with the
unsubscribe headers, one-click unsubscribe from the real header, bounces, pause, resume,
cancel, and the refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from campaign.accounts.models import Role
from campaign.appeals import composing, senders, sending
from campaign.appeals.audiences import AudienceFilter, count, recipients
from campaign.appeals.composing import AppealDraft, AppealRefused
from campaign.appeals.models import Appeal, AppealMessage, AppealStatus, Audience, MessageStatus
from campaign.appeals.progress import progress
from campaign.campaigns.models import CampaignStatus, Signature
from campaign.contacts import services as contacts
from campaign.contacts.models import Contact, Subscription, SubscriptionChange
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail import suppressions
from campaign.mail.suppressions import Suppression, SuppressionReason
from campaign.partners.models import PartnerStatus
from tests.conftest import confirm_path, csrf_token
from tests.support.appeals import counts_of
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    PartnerFactory,
    SignatureFactory,
)
from tests.support.smtp import html_part, text_part
from tests.support.web import sign, sign_in

# The senders commit each message's outcome on a connection of their own, which must see
# the test's rows: these tests run on emptied tables rather than in a rolled-back transaction.
pytestmark = pytest.mark.commits


@pytest.fixture
def coordinator(client):
    account = AccountFactory(role=Role.COORDINATOR, email="staff@coalition.example.org")
    assert sign_in(client, account.email).status_code == 303
    return account


def draft(campaign_id: int | None, **changes) -> AppealDraft:  # type: ignore[no-untyped-def]
    values = {
        "audience": Audience.SUPPORTERS,
        "subject": "Sign for suicide prevention research",
        "body": "Congress decides **this month**.",
        "campaign_id": campaign_id,
    }
    values.update(changes)
    return AppealDraft(**values)


def send_now(actor: Actor, appeal_id: int) -> Appeal:
    """Schedule for now: in-process, the start and every batch run here and now."""
    sending.schedule(actor, appeal_id, None)
    db.session.expire_all()
    return db.session.get_one(Appeal, appeal_id)


def confirm(client, message) -> None:  # type: ignore[no-untyped-def]
    path = confirm_path(text_part(message))
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 200


def unsubscribe_url(message) -> str:  # type: ignore[no-untyped-def]
    header = str(message["List-Unsubscribe"])
    match = re.search(r"<(https?://[^>]+)>", header)
    assert match, header
    return match.group(1)


# -- contacts --------------------------------------------------------------------------------


def test_a_confirmed_signature_with_the_box_ticked_makes_a_subscribed_contact(app, client, mailbox):
    campaign = CampaignFactory()
    sign(client, campaign, email="Ann.Lee@example.org", consent_updates="y", postal_code="94110")
    sign(client, campaign, email="bo@example.org", full_name="Bo Park")
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0  # not yet confirmed
    for address in ("Ann.Lee@example.org", "bo@example.org"):
        confirm(client, mailbox.wait_for(address)[0])
    ann = contacts.contact_for("ann.lee@example.org")
    bo = contacts.contact_for("bo@example.org")
    assert ann.subscription == Subscription.SUBSCRIBED and ann.state == "CA"
    assert bo.subscription == Subscription.NOT_SUBSCRIBED
    [change] = contacts.history(ann)
    assert change.subscription == Subscription.SUBSCRIBED and campaign.title in change.reason

    # Bo signs another petition, this time asking for updates: the same contact, subscribed.
    other = CampaignFactory()
    mailbox.clear()
    sign(client, other, email="BO@example.org", full_name="Bo Park", consent_updates="y")
    confirm(client, mailbox.wait_for("BO@example.org")[0])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2
    assert contacts.contact_for("bo@example.org").subscription == Subscription.SUBSCRIBED


def test_confirmed_signers_written_in_bulk_become_contacts_once(app):
    first, second = CampaignFactory(), CampaignFactory()
    SignatureFactory(campaign_id=first.id, email="cy@example.org", consent_updates=True)
    SignatureFactory(
        campaign_id=second.id, email="cy@example.org", full_name="Cy Latest", postal_code="94110"
    )
    SignatureFactory(campaign_id=first.id, email="dan@example.org")
    SignatureFactory(campaign_id=first.id, email="eve@example.org", confirmed_at=None)
    db.session.commit()
    for _ in range(2):  # the demo seeds twice: nothing more the second time
        contacts.contacts_from_signatures()
        db.session.commit()
    rows = {c.email: c for c in db.session.scalars(select(Contact))}
    assert set(rows) == {"cy@example.org", "dan@example.org"}
    assert rows["cy@example.org"].subscription == Subscription.SUBSCRIBED
    assert rows["cy@example.org"].full_name == "Cy Latest"
    assert rows["dan@example.org"].subscription == Subscription.NOT_SUBSCRIBED


def test_audiences_filter_by_state_and_campaigns_and_leave_out_suppressed_and_signers(app):
    asked, earlier = CampaignFactory(), CampaignFactory()
    dc = ContactFactory(state="DC")
    ca = ContactFactory(state="CA")
    ContactFactory(state="CA", subscription=Subscription.NOT_SUBSCRIBED)
    ContactFactory(state="CA", subscription=Subscription.UNSUBSCRIBED)
    gone = ContactFactory(state="CA")
    suppressions.suppress(gone.email, SuppressionReason.BOUNCED, "550")
    signed_already = ContactFactory(state="CA")
    SignatureFactory(campaign_id=asked.id, email=signed_already.email)
    SignatureFactory(campaign_id=earlier.id, email=ca.email)
    db.session.commit()

    every = AudienceFilter(campaign_id=asked.id)
    assert count(every) == 2  # dc and ca: not the unsubscribed, suppressed or signed
    assert count(AudienceFilter(campaign_id=asked.id, states=["CA"])) == 1
    assert count(AudienceFilter(campaign_id=asked.id, signed=[earlier.id])) == 1
    assert count(AudienceFilter(campaign_id=asked.id, not_signed=[earlier.id])) == 1
    emails = {row.email for row in db.session.execute(recipients(every))}
    assert emails == {dc.email, ca.email}


def test_partner_notices_go_to_the_admins_of_approved_partners(app):
    approved, suspended = PartnerFactory(), PartnerFactory(status=PartnerStatus.SUSPENDED)
    AccountFactory(role=Role.PARTNER_ADMIN, partner_id=approved.id, email="lead@a.example.org")
    AccountFactory(role=Role.PARTNER_MEMBER, partner_id=approved.id)
    AccountFactory(role=Role.PARTNER_ADMIN, partner_id=suspended.id)
    assert count(AudienceFilter(audience=Audience.PARTNERS)) == 1


# -- composing and sending -------------------------------------------------------------------


def test_a_coordinator_composes_previews_tests_and_sends_an_appeal(
    app, client, coordinator, mailbox
):
    campaign = CampaignFactory(title="Fund suicide prevention research")
    people = [ContactFactory(state="CA") for _ in range(3)] + [ContactFactory(state="NY")]
    fields = {
        "audience": "supporters",
        "subject": "Congress decides this month",
        "body": "Please **sign** before the vote.\n\n<script>alert(1)</script>",
        "campaign": str(campaign.id),
        "states": ["CA"],
        "rate_per_minute": "0",
    }
    url = "/console/appeals/new"
    preview = client.post(
        url, data={**fields, "preview": "Preview", "csrf_token": csrf_token(client, url)}
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "It would go to <strong>3</strong> people" in page
    [srcdoc] = re.findall(r'srcdoc="([^"]*)"', page)  # the HTML part, escaped once
    assert "&lt;strong&gt;sign&lt;/strong&gt;" in srcdoc and "script" not in srcdoc
    assert "<script>" not in page  # the text part shows the Markdown as text, escaped
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0

    saved = client.post(url, data={**fields, "csrf_token": csrf_token(client, url)})
    assert saved.status_code == 303
    appeal = db.session.scalars(select(Appeal)).one()
    page = client.get(f"/console/appeals/{appeal.id}").get_data(as_text=True)
    assert "It would go to <strong>3</strong> people now" in page

    test = client.post(
        f"/console/appeals/{appeal.id}/test",
        data={"csrf_token": csrf_token(client, f"/console/appeals/{appeal.id}")},
    )
    assert test.status_code == 303
    [tested] = mailbox.wait_for(coordinator.email)
    assert tested["Subject"] == "[Test] Congress decides this month"
    assert tested["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert all(not mailbox.to(p.email) for p in people)

    token = csrf_token(client, f"/console/appeals/{appeal.id}")
    asked = client.post(f"/console/appeals/{appeal.id}/send", data={"csrf_token": token})
    assert asked.status_code == 200 and "Yes, send it to 3 people now" in asked.get_data(
        as_text=True
    )
    assert not mailbox.to(people[0].email)  # nothing until confirmed
    sent = client.post(
        f"/console/appeals/{appeal.id}/send",
        data={"csrf_token": token, "when": "", "confirmed": "yes"},
    )
    assert sent.status_code == 303

    for person in people[:3]:
        [message] = mailbox.wait_for(person.email)
        assert message["From"] == app.config["BULK_MAIL_FROM"]
        assert message["List-Id"] == app.config["LIST_ID"]
        assert unsubscribe_url(message).startswith("http://chorus.test/unsubscribe/")
        assert "<mailto:unsubscribe@chorus.example.org?subject=" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body, html = text_part(message), html_part(message)
        assert f"Dear {person.full_name}" in body and "Unsubscribe" in html
        assert app.config["POSTAL_ADDRESS"] in body and unsubscribe_url(message) in body
        assert f"/campaigns/{campaign.slug}/from-appeal/{appeal.id}" in html
        assert "<script>" not in html
    assert not mailbox.to(people[3].email)  # not in CA
    assert len(mailbox.copies()) == 4  # the test and three, each once

    db.session.expire_all()
    appeal = db.session.get_one(Appeal, appeal.id)
    assert appeal.status == AppealStatus.SENT and appeal.recipients == 3
    progress = client.get(f"/console/appeals/{appeal.id}/progress.json").get_json()
    assert progress["percent"] == 100 and progress["sent"] == 3 and progress["queued"] == 0


def test_the_sign_button_records_the_appeal_on_the_signature(app, client, coordinator, mailbox):
    campaign = CampaignFactory()
    person = ContactFactory()
    appeal = composing.create_appeal(Actor(coordinator.id), draft(campaign.id))
    send_now(Actor(coordinator.id), appeal.id)
    link = re.search(
        r'href="(http[^"]+from-appeal[^"]+)"', html_part(mailbox.wait_for(person.email)[0])
    )
    landed = client.get(urlsplit(link.group(1)).path)
    assert landed.status_code == 303 and landed.headers["Location"].endswith(
        f"/campaigns/{campaign.slug}"
    )
    sign(client, campaign, email="new@example.org")
    assert (
        db.session.scalar(select(Signature.appeal_id).where(Signature.email == "new@example.org"))
        == appeal.id
    )


def test_one_click_unsubscribe_from_the_real_header_and_the_next_appeal_skips_them(
    app, client, coordinator, mailbox
):
    campaign = CampaignFactory()
    leaving, staying = ContactFactory(), ContactFactory()
    actor = Actor(coordinator.id)
    send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    [message] = mailbox.wait_for(leaving.email)

    # What a mail program does (RFC 8058): a POST to the header's URL, no cookie, no token.
    anonymous = app.test_client()
    url = urlsplit(unsubscribe_url(message))
    answer = anonymous.post(url.path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "You are unsubscribed" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert contacts.contact_for(leaving.email).subscription == Subscription.UNSUBSCRIBED
    assert suppressions.reason_for(leaving.email).reason == SuppressionReason.UNSUBSCRIBED
    again = anonymous.post(url.path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "already unsubscribed" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubscriptionChange)) == 1

    mailbox.clear()
    second = composing.create_appeal(actor, draft(campaign.id, subject="One week left"))
    send_now(actor, second.id)
    mailbox.wait_for(staying.email)
    assert not mailbox.to(leaving.email)
    assert progress(db.session.get_one(Appeal, second.id)).recipients == 1
    first = db.session.scalars(select(Appeal).order_by(Appeal.id)).first()
    assert progress(first).unsubscribed_since == 1


def test_the_unsubscribe_page_asks_first_and_a_changed_or_old_link_changes_nothing(
    app, client, mailbox
):
    ContactFactory(email="cam@example.org")
    from campaign.mail import unsubscribe

    token = unsubscribe.token_for("cam@example.org")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe cam@example.org" in page.get_data(as_text=True)
    assert suppressions.reason_for("cam@example.org") is None  # a GET changes nothing

    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, "not-a-token"):
        answer = client.post(f"/unsubscribe/{bad}")
        assert answer.status_code == 400
        assert "Nothing about your email preferences has changed" in answer.get_data(as_text=True)
    app.config["UNSUBSCRIBE_LINK_DAYS"] = -1
    old = client.post(f"/unsubscribe/{token}")
    assert old.status_code == 400 and "too old" in old.get_data(as_text=True)
    app.config["UNSUBSCRIBE_LINK_DAYS"] = 365
    assert suppressions.reason_for("cam@example.org") is None

    assert client.post(f"/unsubscribe/{token}").status_code == 200
    assert suppressions.reason_for("cam@example.org") is not None


def test_email_preferences_turn_updates_off_and_on(app, client):
    ContactFactory(email="dee@example.org")
    from campaign.mail import unsubscribe

    url = f"/email/preferences/{unsubscribe.token_for('dee@example.org')}"
    assert "checked" in client.get(url).get_data(as_text=True)
    off = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert off.status_code == 200 and "saved" in off.get_data(as_text=True)
    db.session.expire_all()
    assert contacts.contact_for("dee@example.org").subscription == Subscription.UNSUBSCRIBED
    on = client.post(url, data={"csrf_token": csrf_token(client, url), "updates": "y"})
    assert on.status_code == 200
    db.session.expire_all()
    assert contacts.contact_for("dee@example.org").subscription == Subscription.SUBSCRIBED
    assert suppressions.reason_for("dee@example.org") is None
    assert client.post(url, data={"updates": "y"}).status_code == 400  # no CSRF token


# -- bounces -------------------------------------------------------------------------------


def test_a_permanent_refusal_suppresses_the_address(app, coordinator, mailbox):
    campaign = CampaignFactory()
    ContactFactory(email="reject-me@example.org")
    fine = ContactFactory()
    actor = Actor(coordinator.id)
    appeal = send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    mailbox.wait_for(fine.email)
    row = db.session.scalars(
        select(AppealMessage).where(AppealMessage.email == "reject-me@example.org")
    ).one()
    assert row.status == MessageStatus.FAILED and row.last_error.startswith("550")
    assert suppressions.reason_for("reject-me@example.org").reason == SuppressionReason.BOUNCED
    assert contacts.contact_for("reject-me@example.org").subscription == Subscription.BOUNCED
    assert appeal.status == AppealStatus.SENT


def test_temporary_refusals_retry_with_backoff_then_suppress(app, coordinator, mailbox):
    campaign = CampaignFactory()
    ContactFactory(email="tempfail@example.org")
    actor = Actor(coordinator.id)
    appeal = composing.create_appeal(actor, draft(campaign.id))
    send_now(actor, appeal.id)  # the first try, in-process
    for attempt in range(1, senders.MAX_ATTEMPTS + 1):
        db.session.expire_all()
        row = db.session.scalars(select(AppealMessage)).one()
        if attempt > 1:
            senders.send_batch(appeal.id, "test-sender")
            db.session.expire_all()
            row = db.session.scalars(select(AppealMessage)).one()
        if attempt < senders.MAX_ATTEMPTS:
            assert row.status == MessageStatus.QUEUED and row.attempts == attempt
            assert row.due_at > utcnow() + timedelta(seconds=20)  # backing off
            assert senders.send_batch(appeal.id, "test-sender").claimed == 0  # not due yet
            db.session.execute(update(AppealMessage).values(due_at=utcnow()))
            db.session.commit()
    db.session.expire_all()
    row = db.session.scalars(select(AppealMessage)).one()
    assert row.status == MessageStatus.FAILED and "gave up" in row.last_error
    assert suppressions.reason_for("tempfail@example.org").reason == SuppressionReason.BOUNCED
    senders.send_batch(appeal.id, "test-sender")
    assert db.session.get_one(Appeal, appeal.id).status == AppealStatus.SENT


def test_an_appeal_failing_past_the_threshold_pauses_and_tells_the_coordinator(
    app, coordinator, mailbox
):
    app.config.update(APPEAL_PAUSE_AFTER=10, APPEAL_PAUSE_FAILURE_RATE=0.05)
    campaign = CampaignFactory()
    for n in range(30):
        ContactFactory(email=f"reject{n:02}@example.org" if n % 3 == 0 else f"ok{n:02}@example.org")
    actor = Actor(coordinator.id)
    appeal = send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    assert appeal.status == AppealStatus.PAUSED and "failed" in appeal.paused_reason
    [notice] = mailbox.wait_for(coordinator.email)
    assert "paused" in notice["Subject"]
    left = db.session.scalar(
        select(func.count())
        .select_from(AppealMessage)
        .where(AppealMessage.status == MessageStatus.QUEUED)
    )
    assert left > 0  # it stopped with messages still to send

    sending.resume(actor, appeal.id)
    db.session.expire_all()
    assert db.session.get_one(Appeal, appeal.id).status in (AppealStatus.PAUSED, AppealStatus.SENT)


# -- pause, resume, cancel, and the refusals ---------------------------------------------------


def started_appeal(actor: Actor, people: int, monkeypatch) -> Appeal:  # type: ignore[no-untyped-def]
    """An appeal whose rows are written but whose senders are left for the test to run
    (in-process they would run, to the end, as it starts)."""
    monkeypatch.setattr(sending, "_start_senders", lambda appeal: None)
    campaign = CampaignFactory()
    for _ in range(people):
        ContactFactory()
    appeal = composing.create_appeal(actor, draft(campaign.id))
    sending.schedule(actor, appeal.id, utcnow() + timedelta(minutes=5))
    db.session.execute(update(Appeal).values(scheduled_for=utcnow()))
    db.session.commit()
    assert sending._start(appeal.id)
    return db.session.get_one(Appeal, appeal.id)


def test_pause_stops_the_senders_resume_sends_the_rest_cancel_stops_for_good(
    app, coordinator, mailbox, monkeypatch
):
    actor = Actor(coordinator.id)
    appeal = started_appeal(actor, 5, monkeypatch)
    sending.pause(actor, appeal.id)
    assert senders.send_batch(appeal.id, "a-sender").claimed == 0
    assert not mailbox.messages
    sending.resume(actor, appeal.id)
    assert senders.send_batch(appeal.id, "a-sender").claimed == 5
    db.session.expire_all()
    assert db.session.get_one(Appeal, appeal.id).status == AppealStatus.SENT
    assert len(mailbox.copies()) == 5

    mailbox.clear()
    other = started_appeal(actor, 3, monkeypatch)
    assert sending.cancel(actor, other.id) == 3 + 5  # its audience: the first five too
    assert senders.send_batch(other.id, "a-sender").claimed == 0
    assert not mailbox.messages
    with pytest.raises(AppealRefused):
        sending.resume(actor, other.id)
    with pytest.raises(AppealRefused):
        sending.cancel(actor, other.id)


def test_bad_appeals_are_refused_and_nothing_is_saved_or_sent(app, coordinator, mailbox):
    actor = Actor(coordinator.id)
    campaign = CampaignFactory()
    closed = CampaignFactory(status=CampaignStatus.CLOSED)
    refusals = [
        (draft(None), "campaign"),
        (draft(campaign.id, body="   "), "body"),
        (draft(campaign.id, subject=""), "subject"),
        (draft(closed.id), "campaign"),
        (draft(campaign.id, states=["XX"]), "states"),
        (draft(campaign.id, signed=[closed.id], not_signed=[closed.id]), "not_signed"),
        (draft(campaign.id, rate_per_minute=-1), "rate_per_minute"),
    ]
    for bad, field in refusals:
        with pytest.raises(AppealRefused) as refused:
            composing.create_appeal(actor, bad)
        db.session.rollback()
        assert refused.value.field == field, bad
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0

    appeal = composing.create_appeal(actor, draft(campaign.id))
    with pytest.raises(AppealRefused, match="Nobody would get"):
        sending.schedule(actor, appeal.id, None)
    db.session.rollback()
    ContactFactory()
    with pytest.raises(AppealRefused, match="passed"):
        sending.schedule(actor, appeal.id, utcnow() - timedelta(hours=1))
    db.session.rollback()
    assert db.session.get_one(Appeal, appeal.id).status == AppealStatus.DRAFT
    assert not mailbox.messages


def test_the_console_shows_refusals_beside_their_fields(app, client, coordinator):
    url = "/console/appeals/new"
    answer = client.post(
        url,
        data={
            "audience": "supporters",
            "subject": "A subject",
            "body": "A body",
            "campaign": "0",
            "rate_per_minute": "0",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert answer.status_code == 409
    assert "Choose the campaign the appeal asks people to sign." in answer.get_data(as_text=True)
    past = composing.create_appeal(Actor(coordinator.id), draft(CampaignFactory().id))
    ContactFactory()
    page = f"/console/appeals/{past.id}"
    refused = client.post(
        f"{page}/send",
        data={
            "csrf_token": csrf_token(client, page),
            "when": "2020-01-01T10:00",
            "confirmed": "yes",
        },
    )
    assert refused.status_code == 409 and "That time has passed" in refused.get_data(as_text=True)


# -- outreach: the suppression list and the headers ------------------------------------------


def test_outreach_carries_reply_to_and_unsubscribe_and_skips_suppressed_targets(
    app, coordinator, mailbox
):
    from campaign.deliveries.petitions import deliver_petition
    from campaign.mail.models import EmailStatus, OutboundEmail
    from tests.support.factories import TargetFactory

    reachable, suppressed = TargetFactory(), TargetFactory()
    suppressions.suppress(suppressed.email, SuppressionReason.UNSUBSCRIBED, "asked")
    campaign = CampaignFactory(targets=[reachable, suppressed])
    db.session.commit()
    deliver_petition(Actor(coordinator.id), campaign.id)
    [message] = mailbox.wait_for(reachable.email)
    assert message["Reply-To"] == app.config["REPLY_TO"]
    assert message["From"] == app.config["BULK_MAIL_FROM"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not mailbox.to(suppressed.email)
    status = db.session.scalar(
        select(OutboundEmail.status).where(OutboundEmail.recipient == suppressed.email)
    )
    assert status == EmailStatus.SUPPRESSED
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 1


# -- faults of ours, not the recipients' ----------------------------------------------------------


def test_a_partner_notice_reaches_the_admins_with_reply_to(app, coordinator, mailbox):
    partner = PartnerFactory()
    AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id, email="lead@a.example.org")
    actor = Actor(coordinator.id)
    notice = composing.create_appeal(
        actor, draft(None, audience=Audience.PARTNERS, subject="Letter opens Monday")
    )
    assert send_now(actor, notice.id).status == AppealStatus.SENT
    [message] = mailbox.wait_for("lead@a.example.org")
    assert message["Reply-To"] == app.config["REPLY_TO"]
    assert "administrator of a partner" in text_part(message)


def test_a_refused_sender_pauses_the_appeal_and_spends_no_recipient(app, coordinator, mailbox):
    app.config["BULK_MAIL_FROM"] = "Coalition <refused-sender@coalition.example.org>"
    campaign = CampaignFactory()
    for _ in range(3):
        ContactFactory()
    actor = Actor(coordinator.id)
    appeal = send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    assert appeal.status == AppealStatus.PAUSED and "Sender not allowed" in appeal.paused_reason
    assert counts_of(appeal.id) == {MessageStatus.QUEUED: 3}  # nobody written off
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 0
    [notice] = mailbox.wait_for(coordinator.email)
    assert "paused" in notice["Subject"]


def test_a_message_that_cannot_be_made_pauses_the_appeal(app, coordinator, mailbox, tmp_path):
    app.config["DKIM_PRIVATE_KEY"] = str(tmp_path / "missing-key.pem")
    campaign = CampaignFactory()
    ContactFactory()
    actor = Actor(coordinator.id)
    appeal = send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    app.config["DKIM_PRIVATE_KEY"] = None
    assert appeal.status == AppealStatus.PAUSED
    assert "could not be made" in appeal.paused_reason
    assert counts_of(appeal.id) == {MessageStatus.QUEUED: 1}


def test_an_appeal_pauses_when_its_campaign_closes(app, coordinator, mailbox, monkeypatch):
    actor = Actor(coordinator.id)
    appeal = started_appeal(actor, 2, monkeypatch)
    appeal.campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    assert senders.send_batch(appeal.id, "a-sender").claimed == 0
    db.session.expire_all()
    paused = db.session.get_one(Appeal, appeal.id)
    assert (
        paused.status == AppealStatus.PAUSED
        and "no longer takes signatures" in paused.paused_reason
    )
    [notice] = mailbox.wait_for(coordinator.email)
    assert "paused" in notice["Subject"]
    assert counts_of(appeal.id) == {MessageStatus.QUEUED: 2}


def test_an_appeal_that_could_not_start_goes_back_to_a_draft(app, coordinator, mailbox):
    campaign = CampaignFactory()
    ContactFactory()
    actor = Actor(coordinator.id)
    appeal = composing.create_appeal(actor, draft(campaign.id))
    sending.schedule(actor, appeal.id, utcnow() + timedelta(minutes=5))
    db.session.execute(update(Appeal).values(scheduled_for=utcnow()))
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    sending.start_due_appeals()
    db.session.expire_all()
    assert db.session.get_one(Appeal, appeal.id).status == AppealStatus.PAUSED
    assert sending.unschedule(actor, appeal.id).status == AppealStatus.DRAFT


def test_a_made_up_appeal_cookie_never_refuses_a_signature(app, client):
    campaign = CampaignFactory()
    client.set_cookie("chorus_appeal", f"²:{campaign.slug}")
    assert sign(client, campaign, email="odd@example.org").status_code == 303
    client.set_cookie("chorus_appeal", "12:another-campaign")
    assert sign(client, campaign, email="other@example.org").status_code == 303
    assert set(db.session.scalars(select(Signature.appeal_id))) == {None}


def test_the_preferences_of_someone_who_is_not_a_supporter(app, client):
    from campaign.mail import unsubscribe

    url = f"/email/preferences/{unsubscribe.token_for('senator@senate.example.gov')}"
    assert "checked" in client.get(url).get_data(as_text=True)  # they get our outreach
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert suppressions.reason_for("senator@senate.example.gov") is not None
    client.post(url, data={"csrf_token": csrf_token(client, url), "updates": "y"})
    assert suppressions.reason_for("senator@senate.example.gov") is None
    assert "checked" in client.get(url).get_data(as_text=True)


def test_a_recipient_that_keeps_pausing_the_appeal_is_given_up_after_five_tries(
    app, coordinator, mailbox
):
    campaign = CampaignFactory()
    ContactFactory(email="policy@example.org")
    fine = [ContactFactory() for _ in range(2)]
    actor = Actor(coordinator.id)
    appeal = send_now(actor, composing.create_appeal(actor, draft(campaign.id)).id)
    for _ in range(senders.MAX_ATTEMPTS - 1):
        assert appeal.status == AppealStatus.PAUSED and "5.7.1" in appeal.paused_reason
        assert db.session.scalar(select(func.count()).select_from(Suppression)) == 0
        sending.resume(actor, appeal.id)
        db.session.expire_all()
        appeal = db.session.get_one(Appeal, appeal.id)
    assert appeal.status == AppealStatus.SENT
    assert counts_of(appeal.id) == {MessageStatus.FAILED: 1, MessageStatus.SENT: 2}
    assert all(len(mailbox.to(person.email)) == 1 for person in fine)
