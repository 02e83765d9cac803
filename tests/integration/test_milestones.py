"""Milestones: one email per milestone when the recount first passes it, naming the highest
when a recount passes several, even with recounts racing in many processes."""

from __future__ import annotations

import threading

import pytest

from campaign.accounts.models import Role
from campaign.campaigns import counts
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    EndorsementFactory,
    PartnerFactory,
    SignatureFactory,
)

COORDINATOR = "kim@coalition.example.org"
PARTNER_ADMIN = "ana@hope.example.org"


def confirm(campaign: Campaign, n: int) -> None:
    SignatureFactory.create_batch(n, campaign_id=campaign.id)


@pytest.fixture
def campaign():
    AccountFactory(email=COORDINATOR, role=Role.COORDINATOR)
    campaign = CampaignFactory(goal=8, extra_milestones=[12])
    partner = PartnerFactory()
    AccountFactory(email=PARTNER_ADMIN, role=Role.PARTNER_ADMIN, partner_id=partner.id)
    EndorsementFactory(partner_id=partner.id, campaign_id=campaign.id)
    return campaign


def recount(campaign_id: int) -> Campaign:
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign_id)
    counts.refresh_stale_counts([campaign])
    return campaign


def test_each_milestone_is_told_once_and_a_jump_names_the_highest(app, campaign, mailbox):
    confirm(campaign, 1)
    recount(campaign.id)
    assert mailbox.to(COORDINATOR) == []  # 1 of 8: below 25 %
    confirm(campaign, 4)  # 5: past 25 % (2) and 50 % (4)
    recount(campaign.id)
    [first] = mailbox.wait_for(COORDINATOR)
    assert first["Subject"] == f"4 signatures: {campaign.title}"
    assert "50 % of its goal of 8" in first.get_body(("plain",)).get_content()
    assert len(mailbox.wait_for(PARTNER_ADMIN)) == 1
    recount(campaign.id)
    assert len(mailbox.to(COORDINATOR)) == 1  # nothing new passed
    confirm(campaign, 8)  # 13: past 75 %, 100 % and the extra 12
    recount(campaign.id)
    assert (
        mailbox.wait_for(COORDINATOR, count=2)[1]["Subject"] == f"12 signatures: {campaign.title}"
    )
    page = app.test_client().get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Milestones reached: 2, 4, 6, 8, 12" in page


@pytest.mark.commits
def test_recounts_racing_in_many_processes_tell_a_milestone_once(app, campaign, mailbox):
    confirm(campaign, 8)  # the goal, in one go
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def race() -> None:
        try:
            with app.app_context():
                stale = db.session.get(Campaign, campaign.id)
                barrier.wait()
                counts.refresh_stale_counts([stale])
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(mailbox.wait_for(COORDINATOR)) == 1
    assert recount(campaign.id).milestone_reached == 8
    assert len(mailbox.to(COORDINATOR)) == 1


def test_the_beat_recount_tells_milestones_nobody_has_looked_at(app, campaign, mailbox):
    from campaign.campaigns.tasks import recount_open_campaigns

    confirm(campaign, 8)
    recount_open_campaigns()
    assert mailbox.wait_for(COORDINATOR)[0]["Subject"] == f"8 signatures: {campaign.title}"
