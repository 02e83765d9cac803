"""Coordinators author campaigns and run them: draft, open, edit (versions), close, reopen,
close by date; every refusal says why, names the field and changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign.accounts.models import Role
from campaign.campaigns import authoring, lifecycle
from campaign.campaigns.authoring import CampaignDraft, CampaignRefused
from campaign.campaigns.models import Campaign, CampaignStatus, CampaignVersion, Signature
from campaign.core.audit import Actor, AuditEvent
from campaign.core.db import utcnow
from campaign.extensions import db
from tests.conftest import csrf_token
from tests.support.factories import (
    AccountFactory,
    EndorsementFactory,
    PartnerFactory,
    SignatureFactory,
)
from tests.support.files import image_bytes
from tests.support.web import sign

DRAFT = CampaignDraft(
    title="Fund eating disorder research",
    summary="Eating disorders have the highest mortality of any mental illness.",
    ask="We ask Congress to double NIH funding for eating disorder research.",
    rationale="Research is **underfunded**.",
    goal=1000,
)


@pytest.fixture
def coordinator():
    return Actor(AccountFactory(role=Role.COORDINATOR).id)


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_new_campaign_is_a_draft_at_an_address_made_from_its_title(app, coordinator):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.slug == "fund-eating-disorder-research"
    assert authoring.create_campaign(coordinator, DRAFT).slug == "fund-eating-disorder-research-2"
    assert actions() == ["campaign.create", "campaign.create"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ask": "   "}, "ask", "Write the ask"),
        ({"title": ""}, "title", "title"),
        ({"goal": 0}, "goal", "between 1 and 100,000,000"),
        ({"goal": -5}, "goal", "between 1 and 100,000,000"),
        ({"goal": 100_000_001}, "goal", "between 1 and 100,000,000"),
        ({"extra_milestones": [0]}, "extra_milestones", "Each milestone"),
        ({"closes_at": utcnow() - timedelta(hours=1)}, "closes_at", "in the future"),
        ({"slug": "Not A Slug!"}, "slug", "lowercase letters"),
        ({"share_image": b"<svg></svg>"}, "share_image", "PNG, JPEG or WebP"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    app, coordinator, change, field, message
):
    with pytest.raises(CampaignRefused, match=message) as refused:
        authoring.create_campaign(coordinator, replace(DRAFT, **change))
    assert refused.value.field == field
    db.session.rollback()
    assert count(Campaign) == 0


def test_an_address_already_taken_is_refused(app, coordinator):
    authoring.create_campaign(coordinator, replace(DRAFT, slug="eating-disorders"))
    with pytest.raises(CampaignRefused, match="taken") as refused:
        authoring.create_campaign(coordinator, replace(DRAFT, slug="eating-disorders"))
    assert refused.value.field == "slug"
    assert count(Campaign) == 1


def test_a_share_image_is_re_encoded_as_a_jpeg(app, coordinator):
    campaign = authoring.create_campaign(
        coordinator, replace(DRAFT, share_image=image_bytes("PNG", size=(2400, 1260)))
    )
    assert campaign.share_image.startswith(b"\xff\xd8")  # JPEG
    assert campaign.share_image_version == 1


def test_opening_keeps_the_text_as_version_one_and_edits_make_versions(app, coordinator):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, ask="A draft edit."))
    lifecycle.open_campaign(coordinator, campaign.id)
    assert (campaign.status, campaign.version) == (CampaignStatus.OPEN, 1)
    assert [v.ask for v in campaign.versions] == ["A draft edit."]
    authoring.edit_campaign(
        coordinator, campaign.id, replace(DRAFT, ask="A sharper ask.", goal=2000)
    )
    assert campaign.version == 2
    second = db.session.scalar(select(CampaignVersion).where(CampaignVersion.number == 2))
    assert (second.ask, second.changed, second.edited_by_id) == (
        "A sharper ask.",
        ["ask"],
        coordinator.account_id,
    )
    authoring.edit_campaign(
        coordinator, campaign.id, replace(DRAFT, ask="A sharper ask.", goal=3000)
    )
    assert campaign.version == 2  # only the goal changed: no new text
    assert actions()[-3:] == ["campaign.open", "campaign.edit", "campaign.edit"]


def test_a_signature_records_the_version_it_was_made_under(app, client, coordinator, mailbox):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    lifecycle.open_campaign(coordinator, campaign.id)
    authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, ask="A sharper ask."))
    assert sign(client, campaign).status_code == 303
    assert db.session.scalar(select(Signature.campaign_version)) == 2


def test_the_address_is_permanent_once_open(app, coordinator):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, slug="eating-disorders"))
    assert campaign.slug == "eating-disorders"
    lifecycle.open_campaign(coordinator, campaign.id)
    with pytest.raises(CampaignRefused, match="cannot change") as refused:
        authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, slug="another"))
    assert refused.value.field == "slug"
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).slug == "eating-disorders"


def test_the_goal_of_an_open_campaign_can_rise_but_not_below_the_count(app, coordinator):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    lifecycle.open_campaign(coordinator, campaign.id)
    SignatureFactory.create_batch(3, campaign_id=campaign.id)
    with pytest.raises(CampaignRefused, match="lower than the 3 signatures") as refused:
        authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, goal=2))
    assert refused.value.field == "goal"
    db.session.rollback()
    assert authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, goal=3)).goal == 3
    assert authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, goal=5000)).goal == 5000


def test_closing_and_reopening_tell_the_endorsing_partners(app, coordinator, mailbox):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    lifecycle.open_campaign(coordinator, campaign.id)
    partner = PartnerFactory()
    AccountFactory(email="ana@hope.example.org", role=Role.PARTNER_ADMIN, partner_id=partner.id)
    EndorsementFactory(partner_id=partner.id, campaign_id=campaign.id)
    lifecycle.close_campaign(coordinator, campaign.id)
    assert campaign.status == CampaignStatus.CLOSED and campaign.closed_at is not None
    [closed] = mailbox.wait_for("ana@hope.example.org")
    assert closed["Subject"] == f"Closed: {campaign.title}"
    lifecycle.open_campaign(coordinator, campaign.id)
    assert campaign.status == CampaignStatus.OPEN
    reopened = mailbox.wait_for("ana@hope.example.org", count=2)[1]
    assert reopened["Subject"] == f"Open again: {campaign.title}"
    assert actions()[-3:] == ["campaign.open", "campaign.close", "campaign.reopen"]
    assert [v.number for v in campaign.versions] == [1]  # reopening is not a new text


def test_a_closed_campaign_cannot_be_edited_or_closed_again(app, coordinator):
    campaign = authoring.create_campaign(coordinator, DRAFT)
    with pytest.raises(CampaignRefused, match="Only an open campaign"):
        lifecycle.close_campaign(coordinator, campaign.id)
    lifecycle.open_campaign(coordinator, campaign.id)
    with pytest.raises(CampaignRefused, match="already open"):
        lifecycle.open_campaign(coordinator, campaign.id)
    lifecycle.close_campaign(coordinator, campaign.id)
    with pytest.raises(CampaignRefused, match="Reopen it first"):
        authoring.edit_campaign(coordinator, campaign.id, replace(DRAFT, ask="Too late."))
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).ask == DRAFT.ask


def test_a_campaign_closes_by_itself_at_its_closing_date(app, coordinator):
    soon = utcnow() + timedelta(minutes=5)
    campaign = authoring.create_campaign(coordinator, replace(DRAFT, closes_at=soon))
    lifecycle.open_campaign(coordinator, campaign.id)
    assert lifecycle.close_due_campaigns(now=utcnow()) == 0
    assert lifecycle.close_due_campaigns(now=soon + timedelta(seconds=1)) == 1
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.CLOSED
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.actor_id) == ("campaign.close_by_date", None)
    assert lifecycle.close_due_campaigns(now=soon + timedelta(minutes=1)) == 0


def test_a_campaign_closed_by_its_date_reopens_without_one(app, coordinator):
    soon = utcnow() + timedelta(minutes=5)
    campaign = authoring.create_campaign(coordinator, replace(DRAFT, closes_at=soon))
    lifecycle.open_campaign(coordinator, campaign.id)
    lifecycle.close_due_campaigns(now=soon + timedelta(seconds=1))
    campaign.closes_at = utcnow() - timedelta(minutes=1)  # as the beat found it
    db.session.commit()
    reopened = lifecycle.open_campaign(coordinator, campaign.id)
    assert (reopened.status, reopened.closes_at) == (CampaignStatus.OPEN, None)


def test_a_draft_past_its_closing_date_is_not_opened(app, coordinator):
    campaign = authoring.create_campaign(
        coordinator, replace(DRAFT, closes_at=utcnow() + timedelta(minutes=5))
    )
    campaign.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(CampaignRefused, match="closing date has passed") as refused:
        lifecycle.open_campaign(coordinator, campaign.id)
    assert refused.value.field == "closes_at"


def test_signing_stops_at_the_closing_date_before_the_beat_records_it(
    app, client, coordinator, mailbox
):
    campaign = authoring.create_campaign(
        coordinator, replace(DRAFT, closes_at=utcnow() + timedelta(minutes=5))
    )
    lifecycle.open_campaign(coordinator, campaign.id)
    campaign.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "This petition is closed" in page and 'id="sign"' not in page
    response = client.post(
        f"/campaigns/{campaign.slug}/sign",
        data={
            "csrf_token": csrf_token(client, "/partner"),
            "full_name": "Ann Lee",
            "email": "ann@example.org",
            "postal_code": "20005",
        },
    )
    assert response.status_code == 409 and "closed" in response.get_data(as_text=True)
    assert count(Signature) == 0
