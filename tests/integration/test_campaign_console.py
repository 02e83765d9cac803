"""The console's campaign pages: new, edit, preview, open, close, reopen; and what the public
page says of a campaign where it is shared."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from campaign.accounts.models import Role
from campaign.campaigns.models import Campaign, CampaignStatus
from campaign.extensions import db
from tests.conftest import csrf_token
from tests.support.factories import AccountFactory, CampaignFactory, TargetFactory
from tests.support.files import image_bytes
from tests.support.web import sign_in

NEW = "/console/campaigns/new"
FIELDS = {
    "title": "Fund eating disorder research",
    "summary": "Eating disorders have the highest mortality of any mental illness.",
    "ask": "We ask Congress to double NIH funding for eating disorder research.",
    "rationale": "Research is **underfunded**.",
    "goal": "1000",
    "target_list": "0",
}


@pytest.fixture
def coordinator(client):
    account = AccountFactory(role=Role.COORDINATOR)
    assert sign_in(client, account.email).status_code == 303
    return account


def submit(client, url, **changes):  # type: ignore[no-untyped-def]
    data = {**FIELDS, **changes, "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data, content_type="multipart/form-data")


def campaigns() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign))


def test_a_coordinator_writes_a_campaign_and_it_is_saved_as_a_draft(client, coordinator):
    listing = client.get("/console/campaigns").get_data(as_text=True)
    assert 'href="/console/campaigns/new"' in listing
    target = TargetFactory(name="Sen. Maria Delgado")
    response = submit(
        client, NEW, targets=str(target.id), extra_milestones="2500, 10000", closes_on="2031-06-30"
    )
    assert response.status_code == 303
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.status, campaign.slug, campaign.goal) == (
        CampaignStatus.DRAFT,
        "fund-eating-disorder-research",
        1000,
    )
    assert campaign.extra_milestones == [2500, 10000]
    assert campaign.closes_at.strftime("%Y-%m-%d %H:%M") == "2031-07-01 00:00"
    assert [t.name for t in campaign.targets] == ["Sen. Maria Delgado"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Open the campaign" in page and "Edit the campaign" in page
    assert client.get(f"/campaigns/{campaign.slug}").status_code == 404  # drafts are not public


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ask": ""}, "Write the ask"),
        ({"goal": "0"}, "between 1 and 100,000,000"),
        ({"goal": "-3"}, "between 1 and 100,000,000"),
        ({"goal": "100000001"}, "between 1 and 100,000,000"),
        ({"goal": "lots"}, "Not a valid integer"),
        ({"closes_on": "2020-01-01"}, "from today"),
        ({"extra_milestones": "ten"}, "separated by commas"),
        ({"slug": "Bad Address"}, "lowercase letters"),
        ({"extra_milestones": "²"}, "separated by commas"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    client, coordinator, changes, message
):
    response = submit(client, NEW, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert campaigns() == 0


def test_an_address_taken_and_an_image_that_is_not_one_are_refused(client, coordinator):
    CampaignFactory(slug="eating-disorders")
    taken = submit(client, NEW, slug="eating-disorders")
    assert taken.status_code == 409 and "That address is taken" in taken.get_data(as_text=True)
    not_image = submit(client, NEW, share_image=(io.BytesIO(b"<svg/>"), "x.svg"))
    assert not_image.status_code == 400
    assert "must be a PNG, JPEG or WebP image" in not_image.get_data(as_text=True)
    assert campaigns() == 1


def test_the_preview_shows_the_public_page_and_saves_nothing(client, coordinator):
    response = submit(client, NEW, preview="Preview", rationale="Research is **underfunded**.")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and campaigns() == 0
    assert "Petition (draft)" in page and "<strong>underfunded</strong>" in page
    live = client.post(
        "/console/campaigns/preview",
        data={
            **FIELDS,
            "ask": "Typed just now <script>x</script>",
            "csrf_token": csrf_token(client, NEW),
        },
    )
    assert "Typed just now &lt;script&gt;" in live.get_data(as_text=True)
    odd = client.post(
        "/console/campaigns/preview?campaign=99999999999999999999",
        data={**FIELDS, "csrf_token": csrf_token(client, NEW)},
    )
    assert odd.status_code == 200
    assert campaigns() == 0


def test_opening_closing_and_reopening_each_ask_first(client, coordinator, mailbox):
    submit(client, NEW)
    campaign = db.session.scalar(select(Campaign))
    step = f"/console/campaigns/{campaign.id}/open"
    confirm = client.get(step).get_data(as_text=True)
    assert "It has no targets yet" in confirm and "Yes, open the campaign" in confirm
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.DRAFT
    assert client.post(step, data={"csrf_token": csrf_token(client, step)}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.OPEN
    assert client.get(f"/campaigns/{campaign.slug}").status_code == 200
    close = f"/console/campaigns/{campaign.id}/close"
    assert "Yes, close the campaign" in client.get(close).get_data(as_text=True)
    client.post(close, data={"csrf_token": csrf_token(client, close)})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.CLOSED
    assert "Yes, reopen the campaign" in client.get(step).get_data(as_text=True)
    again = client.post(close, data={"csrf_token": csrf_token(client, close)})
    assert again.status_code == 409 and "Only an open campaign" in again.get_data(as_text=True)


def test_an_edit_of_an_open_campaign_is_a_version_shown_in_the_console(client, coordinator):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)
    step = f"/console/campaigns/{campaign.id}/open"
    client.post(step, data={"csrf_token": csrf_token(client, step)})
    edit = f"/console/campaigns/{campaign.id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert "(permanent)" in form and campaign.ask in form
    fields = {
        "title": campaign.title,
        "summary": campaign.summary,
        "ask": "A sharper ask.",
        "rationale": campaign.rationale,
        "goal": "500",
    }
    assert submit(client, edit, **fields).status_code == 303
    page = client.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Versions of the text" in page and "2 (current)" in page and ">ask<" in page


def test_the_public_page_carries_share_tags_and_its_image(client, coordinator):
    submit(client, NEW, share_image=(io.BytesIO(image_bytes("PNG", size=(1200, 630))), "s.png"))
    campaign = db.session.scalar(select(Campaign))
    step = f"/console/campaigns/{campaign.id}/open"
    client.post(step, data={"csrf_token": csrf_token(client, step)})
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert f'<meta property="og:title" content="{FIELDS["title"]}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    image_url = f"http://chorus.test/campaigns/{campaign.slug}/share.jpg?v=1"
    assert f'<meta property="og:image" content="{image_url}">' in page
    image = client.get(f"/campaigns/{campaign.slug}/share.jpg?v=1")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data.startswith(b"\xff\xd8")
