"""What a visitor and a coordinator find without knowing where to look: the letters that go
with a campaign, open letters on the home page, the letters a partner co-signed, and the
console's home with what needs attention."""

from __future__ import annotations

from campaign.accounts.models import Role
from campaign.extensions import db
from campaign.letters.models import LetterStatus
from tests.support.factories import AccountFactory, CampaignFactory, PartnerFactory
from tests.support.letters import co_signed_as, open_letter
from tests.support.web import an_application, sign_in


def test_a_campaigns_letters_are_linked_from_its_page_and_the_home_page(client):
    campaign = CampaignFactory()
    letter = open_letter(campaign=campaign)
    co_signed_as(letter, PartnerFactory(name="Hope Network"))
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Joint letters with this petition" in page and f'href="/letters/{letter.slug}"' in page
    home = client.get("/").get_data(as_text=True)
    assert "Joint letters gathering partners" in home and f'href="/letters/{letter.slug}"' in home
    assert "1 organization signed so far" in home


def test_drafts_are_listed_nowhere(client):
    campaign = CampaignFactory()
    letter = open_letter(campaign=campaign)
    letter.status = LetterStatus.DRAFT
    db.session.commit()
    assert f"/letters/{letter.slug}" not in client.get(f"/campaigns/{campaign.slug}").get_data(
        as_text=True
    )
    assert f"/letters/{letter.slug}" not in client.get("/").get_data(as_text=True)


def test_a_partners_page_lists_the_letters_it_co_signed(client):
    partner = PartnerFactory(name="Hope Network", slug="hope-network")
    letter = open_letter()
    page = client.get("/partners/hope-network").get_data(as_text=True)
    assert "Joint letters co-signed" in page and f"/letters/{letter.slug}" not in page
    co_signed_as(letter, partner)
    assert f'href="/letters/{letter.slug}"' in client.get("/partners/hope-network").get_data(
        as_text=True
    )


def test_the_console_home_shows_what_needs_attention(client):
    an_application()
    CampaignFactory(title="Fund research", goal=100)
    letter = open_letter()
    coordinator = AccountFactory(role=Role.COORDINATOR)
    sign_in(client, coordinator.email)
    home = client.get("/console/").get_data(as_text=True)
    assert "1 application waiting for a decision" in home
    assert "Fund research" in home and "0 of 100" in home and ">25<" in home
    assert letter.title in home and "0 co-signers, until" in home
