"""Coordinators see who signed, search the list, and choose which comments the campaign page
shows; the page shows only those, with a name only where the signer chose to show it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.accounts.models import Role
from campaign.campaigns.models import Campaign, Signature
from campaign.core.audit import AuditEvent
from campaign.core.db import utcnow
from campaign.extensions import db
from tests.conftest import csrf_token
from tests.support.factories import AccountFactory, CampaignFactory
from tests.support.web import sign_in


@pytest.fixture
def coordinator(client):
    account = AccountFactory(role=Role.COORDINATOR)
    assert sign_in(client, account.email).status_code == 303
    return account


def signed(campaign: Campaign, name: str, comment: str = "", confirmed=True, **fields):  # type: ignore[no-untyped-def]
    signature = Signature(
        campaign_id=campaign.id,
        full_name=name,
        email=f"{name.split()[0].lower()}@example.org",
        email_normalized=f"{name.split()[0].lower()}@example.org",
        postal_code="43004",
        state="OH",
        comment=comment,
        confirmed_at=utcnow() if confirmed else None,
        **{"may_show_comment": True, **fields},
    )
    db.session.add(signature)
    db.session.commit()
    return signature


def decide(client, campaign, signature, choice):  # type: ignore[no-untyped-def]
    page = f"/console/campaigns/{campaign.id}/signatures"
    url = f"{page}/{signature.id}/{choice}"
    return client.post(url, data={"csrf_token": csrf_token(client, page)})


def test_the_list_counts_searches_and_pages_the_signatures(client, coordinator):
    campaign = CampaignFactory()
    signed(campaign, "Ann Lee", "For my brother.")
    signed(campaign, "Bob Stone", confirmed=False)
    for i in range(30):
        signed(campaign, f"Signer{i} Person")
    page = client.get(f"/console/campaigns/{campaign.id}/signatures").get_data(as_text=True)
    assert "31 confirmed, 1 not confirmed yet" in page
    assert "Page 1 of 2 (32 in all)" in page
    found = client.get(f"/console/campaigns/{campaign.id}/signatures?q=ann").get_data(as_text=True)
    assert "Ann Lee" in found and "For my brother." in found and "Bob Stone" not in found
    waiting = client.get(f"/console/campaigns/{campaign.id}/signatures?status=unconfirmed")
    assert "Bob Stone" in waiting.get_data(as_text=True)
    second = client.get(f"/console/campaigns/{campaign.id}/signatures?page=2")
    assert second.status_code == 200 and "Previous" in second.get_data(as_text=True)


def test_a_comment_is_shown_only_once_a_coordinator_chooses_to(client, coordinator):
    campaign = CampaignFactory()
    named = signed(campaign, "Ann Marie Lee", "For my brother.", show_publicly=True)
    anonymous = signed(campaign, "Pat Private", "Keep my name out.")
    public = f"/campaigns/{campaign.slug}"
    assert "For my brother." not in client.get(public).get_data(as_text=True)
    assert decide(client, campaign, named, "show").status_code == 303
    assert decide(client, campaign, anonymous, "show").status_code == 303
    page = client.get(public).get_data(as_text=True)
    assert "For my brother." in page and "Ann L." in page and "Ann Marie Lee" not in page
    assert "Keep my name out." in page and "Pat" not in page  # shown, but not their name
    decide(client, campaign, anonymous, "hide")
    assert "Keep my name out." not in client.get(public).get_data(as_text=True)
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == [
        "signature.comment_show",
        "signature.comment_show",
        "signature.comment_hide",
    ]


def test_a_comment_from_before_the_form_said_it_may_be_shown_stays_private(client, coordinator):
    campaign = CampaignFactory()
    earlier = signed(campaign, "Ann Lee", "Told nobody.", may_show_comment=False)
    listing = client.get(f"/console/campaigns/{campaign.id}/signatures").get_data(as_text=True)
    assert "Told nobody." in listing and "Show on the page" not in listing
    follow = client.get(decide(client, campaign, earlier, "show").headers["Location"])
    assert "stays private" in follow.get_data(as_text=True)
    assert "Told nobody." not in client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)


def test_signing_through_the_form_records_that_the_comment_may_be_shown(client, mailbox):
    from tests.support.web import sign

    campaign = CampaignFactory()
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "The coalition may show it on this page" in page
    sign(client, campaign, comment="For my sister.")
    assert db.session.scalar(select(Signature.may_show_comment)) is True


def test_odd_query_strings_and_return_addresses_are_harmless(client, coordinator):
    campaign = CampaignFactory()
    for i in range(30):
        signed(campaign, f"Signer{i} Person")
    base = f"/console/campaigns/{campaign.id}/signatures"
    for query in ("?_scheme=ftp&page=1", "?endpoint=x&page=1", "?campaign_id=999&page=1"):
        page = client.get(base + query)
        assert page.status_code == 200, query
        assert f'href="{base}?page=2"' in page.get_data(as_text=True), query
    one = db.session.scalar(select(Signature).where(Signature.comment == ""))
    url = f"{base}/{one.id}/hide"
    crafted = client.post(
        url, data={"csrf_token": csrf_token(client, base), "back": f"{base}\r\nX-Evil: 1"}
    )
    assert crafted.status_code == 303 and crafted.headers["Location"].endswith(base)


def test_a_signature_of_another_campaign_or_without_a_comment_is_refused(client, coordinator):
    campaign, other = CampaignFactory(), CampaignFactory()
    elsewhere = signed(other, "Ann Lee", "Elsewhere.")
    silent = signed(campaign, "Bob Stone")
    assert decide(client, campaign, elsewhere, "show").status_code == 404
    refused = decide(client, campaign, silent, "show")
    assert refused.status_code == 303
    follow = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "no comment to show" in follow
    db.session.expire_all()
    assert not db.session.get(Signature, elsewhere.id).comment_shown
