"""Signing and confirming a petition through the pages, on PostgreSQL, with mail through a
real SMTP server (tasks in-process here; see test_worker.py for the Celery worker)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, update

from campaign.campaigns.models import CampaignStatus, Signature
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.mail.models import EmailStatus, OutboundEmail
from tests.conftest import confirm_path, csrf_token
from tests.support.factories import CampaignFactory, EndorsementFactory, TargetFactory
from tests.support.smtp import html_part, text_part
from tests.support.web import sign


def signature_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Signature))


def test_campaign_page_shows_the_ask_targets_partners_and_a_labelled_form(client):
    target = TargetFactory(name="Sen. Maria Delgado", state="NM")
    campaign = CampaignFactory(targets=[target], rationale="Research **matters**.")
    EndorsementFactory(campaign_id=campaign.id, statement="Families stand with this.")
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert campaign.ask in page
    assert "<strong>matters</strong>" in page
    assert "Sen. Maria Delgado" in page and "New Mexico" in page
    assert "Families stand with this." in page
    for label in ("Full name", "Email address", "ZIP/postal code", "Why this matters to you"):
        assert f">{label}" in page
    assert 'type="checkbox"' in page and "checked" not in page


def test_rationale_markdown_is_sanitized(client):
    campaign = CampaignFactory(rationale="Hi <script>alert(1)</script> [x](javascript:alert(1))")
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page


def test_signing_sends_a_confirmation_email_with_a_working_link(client, mailbox):
    campaign = CampaignFactory(title="Fund youth research")
    response = sign(
        client,
        campaign,
        full_name="Ann Lee",
        email="Ann@Example.org",
        consent_updates="y",
        comment="My son.",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.slug}/check-email")
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)

    [message] = mailbox.wait_for("Ann@example.org")
    assert "Fund youth research" in message["Subject"]
    assert message.is_multipart()
    body, html = text_part(message), html_part(message)
    for part in (body, html):
        assert "Coalition for Mental Health Research" in part
        assert "Washington, DC" in part
    signature = db.session.scalar(select(Signature))
    assert (signature.state, signature.consent_updates, signature.comment) == (
        "DC",
        True,
        "My son.",
    )
    assert signature.confirmed_at is None
    assert confirm_path(body).rsplit("/", 1)[1] not in (signature.token_hash or "")

    # Opening the link does not confirm (mail scanners prefetch links); the button does.
    path = confirm_path(body)
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my signature" in page.get_data(as_text=True)
    db.session.refresh(signature)
    assert signature.confirmed_at is None
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert "your signature is confirmed" in done.get_data(as_text=True)
    db.session.refresh(signature)
    assert signature.confirmed_at is not None
    row = db.session.scalar(select(OutboundEmail))
    assert row.status == EmailStatus.SENT and row.context == {}


def test_confirming_counts_once_and_the_link_works_once(client, mailbox):
    campaign = CampaignFactory(goal=100)
    sign(client, campaign)
    path = confirm_path(text_part(mailbox.wait_for("ann@example.org")[0]))
    token = csrf_token(client, path)
    first = client.post(path, data={"csrf_token": token})
    second = client.post(path, data={"csrf_token": token})
    assert "your signature is confirmed" in first.get_data(as_text=True)
    assert "already been used" in second.get_data(as_text=True)
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "<strong>1</strong> signed of a 100 goal" in page
    assert "Next milestone: 25 signatures" in page


def test_the_count_is_recounted_in_batches_not_per_signature(app, client, mailbox):
    app.config["COUNT_REFRESH_SECONDS"] = 3600
    campaign = CampaignFactory()
    client.get(f"/campaigns/{campaign.slug}")  # stamps counted_at: fresh for an hour
    sign(client, campaign)
    path = confirm_path(text_part(mailbox.wait_for("ann@example.org")[0]))
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    db.session.refresh(campaign)
    assert campaign.confirmed_count == 0  # confirming did not touch the campaign row
    db.session.execute(update(type(campaign)).values(counted_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "<strong>1</strong> signed" in page


def test_a_duplicate_gets_the_same_page_and_at_most_one_notice(client, mailbox):
    campaign = CampaignFactory()
    first = sign(client, campaign, email="ann.lee@gmail.com")
    second = sign(client, campaign, email=" Ann.Lee+petitions@googlemail.com ")
    third = sign(client, campaign, email="annlee@gmail.com")
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == third.headers["Location"]
    assert signature_count() == 1
    mailbox.wait_for("ann.lee@gmail.com")
    [notice] = mailbox.wait_for("Ann.Lee+petitions@googlemail.com")
    assert "already signed" in notice["Subject"]
    assert mailbox.to("annlee@gmail.com") == []
    # The notice carries a fresh link, which confirms; the first link no longer does.
    first_link = confirm_path(text_part(mailbox.to("ann.lee@gmail.com")[0]))
    assert client.get(first_link).status_code == 404
    fresh = confirm_path(text_part(notice))
    client.post(fresh, data={"csrf_token": csrf_token(client, fresh)})
    assert db.session.scalar(select(Signature.confirmed_at)) is not None
    assert "Ann.Lee" not in text_part(notice)  # no name in mail to whoever owns the address


def test_a_closed_campaign_refuses_signatures_with_a_message(client, mailbox):
    campaign = CampaignFactory()
    token = csrf_token(client, f"/campaigns/{campaign.slug}")  # the page was open when loaded
    campaign.status = CampaignStatus.CLOSED
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "closed and no longer takes signatures" in page and 'type="submit"' not in page
    response = client.post(
        f"/campaigns/{campaign.slug}/sign",
        data={
            "csrf_token": token,
            "full_name": "Ann",
            "email": "a@example.org",
            "postal_code": "20005",
        },
    )
    assert response.status_code == 409
    assert "closed and no longer takes signatures" in response.get_data(as_text=True)
    assert signature_count() == 0


def test_draft_and_unknown_campaigns_are_not_found(client):
    draft = CampaignFactory(status=CampaignStatus.DRAFT)
    for url in (f"/campaigns/{draft.slug}", "/campaigns/no-such-campaign"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)
    assert draft.title not in client.get("/").get_data(as_text=True)


def test_home_lists_open_campaigns_with_progress(client):
    open_campaign = CampaignFactory(title="Open one")
    CampaignFactory(title="Closed one", status=CampaignStatus.CLOSED)
    page = client.get("/").get_data(as_text=True)
    assert "Open one" in page and "Closed one" not in page
    assert 'role="progressbar"' in page
    assert f"/campaigns/{open_campaign.slug}" in page


def test_expired_link_gets_a_clear_page_and_a_fresh_link(client, mailbox):
    campaign = CampaignFactory()
    sign(client, campaign)
    path = confirm_path(text_part(mailbox.wait_for("ann@example.org")[0]))
    db.session.execute(update(Signature).values(token_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
    posted = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert "This link has expired" in posted.get_data(as_text=True)
    assert db.session.scalar(select(Signature.confirmed_at)) is None

    renewed = client.post(f"{path}/renew", data={"csrf_token": csrf_token(client, path)})
    assert "We have emailed you a new link" in renewed.get_data(as_text=True)
    new_path = confirm_path(text_part(mailbox.wait_for("ann@example.org", 2)[1]))
    assert new_path != path
    client.post(new_path, data={"csrf_token": csrf_token(client, new_path)})
    assert db.session.scalar(select(Signature.confirmed_at)) is not None


def test_unknown_link_gets_a_clear_page(client):
    response = client.get("/confirm/not-a-real-token")
    assert response.status_code == 404
    assert "We do not recognise this link" in response.get_data(as_text=True)


def test_cached_pages_give_each_visitor_their_own_form_token(app, mailbox):
    app.config["PAGE_CACHE_SECONDS"] = 60
    campaign = CampaignFactory()
    first, second = app.test_client(), app.test_client()
    url = f"/campaigns/{campaign.slug}"
    assert csrf_token(first, url) != csrf_token(second, url)
    assert sign(first, campaign, email="one@example.org").status_code == 303
    assert sign(second, campaign, email="two@example.org").status_code == 303
    mailbox.wait_for("one@example.org")
    mailbox.wait_for("two@example.org")


def confirm_by_email(client, mailbox, address):
    path = confirm_path(text_part(mailbox.wait_for(address)[-1]))
    client.post(path, data={"csrf_token": csrf_token(client, path)})


def test_names_show_only_for_signers_who_opt_in(client, mailbox):
    campaign = CampaignFactory()
    sign(
        client,
        campaign,
        full_name="Ann Marie Lee",
        email="ann@example.org",
        comment="For my brother.",
        show_publicly="y",
    )
    sign(
        client,
        campaign,
        full_name="Private Person",
        email="pat@example.org",
        comment="Keep this private.",
    )
    confirm_by_email(client, mailbox, "ann@example.org")
    confirm_by_email(client, mailbox, "pat@example.org")
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "<strong>2</strong> signed" in page
    assert "Ann L." in page and "District of Columbia" in page
    assert "Ann Marie Lee" not in page and "For my brother." not in page
    assert "Private" not in page and "Keep this private." not in page


def test_a_link_that_has_not_expired_cannot_be_renewed(client, mailbox):
    campaign = CampaignFactory()
    sign(client, campaign)
    path = confirm_path(text_part(mailbox.wait_for("ann@example.org")[0]))
    response = client.post(f"{path}/renew", data={"csrf_token": csrf_token(client, path)})
    page = response.get_data(as_text=True)
    assert "We have emailed you a new link" not in page and "Confirm my signature" in page
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 1
    assert len(mailbox.to("ann@example.org")) == 1


def test_confirmation_pages_are_not_cached_and_not_framed(client, mailbox):
    campaign = CampaignFactory()
    sign(client, campaign)
    path = confirm_path(text_part(mailbox.wait_for("ann@example.org")[0]))
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_count_is_fresh_within_seconds_with_the_default_settings(app, client, mailbox):
    from campaign.config import from_environment

    defaults = from_environment({})
    app.config["COUNT_REFRESH_SECONDS"] = defaults["COUNT_REFRESH_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = defaults["PAGE_CACHE_SECONDS"]
    campaign = CampaignFactory()
    url = f"/campaigns/{campaign.slug}"
    assert "<strong>0</strong> signed" in client.get(url).get_data(as_text=True)
    sign(client, campaign)
    confirm_by_email(client, mailbox, "ann@example.org")
    deadline = time.monotonic() + 30
    while "<strong>1</strong> signed" not in client.get(url).get_data(as_text=True):
        assert time.monotonic() < deadline, "the count never caught up"
        time.sleep(0.25)


@pytest.mark.commits  # the statement commits on a connection of its own, as in production
def test_a_signature_commits_as_it_runs_and_its_connection_goes_back_as_it_was(
    app, client, mailbox
):
    """A signature and its email are one statement on a pooled connection where it commits
    as it runs: another connection sees both at once, the confirmation goes out, and the
    pool's connections are ordinary again afterwards (a transaction until commit)."""
    campaign = CampaignFactory()
    assert sign(client, campaign, email="own@example.org").status_code == 303
    outside = create_engine(db.engine.url.render_as_string(hide_password=False))
    try:
        with outside.connect() as other:
            for table in (Signature.__table__, OutboundEmail.__table__):
                assert other.execute(select(func.count()).select_from(table)).scalar() == 1
    finally:
        outside.dispose()
    mailbox.wait_for("own@example.org")
    idle = db.engine.pool.checkedin()
    assert idle >= 1
    connections = [db.engine.connect() for _ in range(idle)]  # every idle one, at once
    try:
        for connection in connections:
            assert connection.connection.driver_connection.autocommit is False
            assert connection.get_isolation_level() == "READ COMMITTED"
    finally:
        for connection in connections:
            connection.close()
