"""A person signs a petition in a real browser and confirms it from the email."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import CONFIRM_LINK
from tests.support.factories import CampaignFactory
from tests.support.smtp import text_part


def test_sign_confirm_and_see_the_count_rise(live_server, page, mailbox):
    _, base_url = live_server
    campaign = CampaignFactory(title="Fund research into recovery", goal=10)

    page.goto(base_url + "/")
    page.get_by_role("link", name="Fund research into recovery", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fund research into recovery")
    expect(page.get_by_text("0 signed of a 10 goal")).to_be_visible()

    page.get_by_label("Full name").fill("Robin Carter")
    page.get_by_label("Email address").fill("robin@example.org")
    page.get_by_label("ZIP/postal code").fill("60614")
    page.get_by_label("Why this matters to you (optional)").fill("For my sister.")
    consent = page.get_by_label("Email me updates from the coalition about its campaigns")
    expect(consent).not_to_be_checked()
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    [message] = mailbox.wait_for("robin@example.org")
    link = CONFIRM_LINK.search(text_part(message)).group(0)
    assert link.startswith(base_url)
    page.goto(link)
    page.get_by_role("button", name="Confirm my signature").click()
    expect(
        page.get_by_role("heading", name=re.compile("your signature is confirmed"))
    ).to_be_visible()

    page.get_by_role("link", name=campaign.title).first.click()
    expect(page.get_by_text("1 signed of a 10 goal")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "1")


def test_a_mistake_in_the_form_is_shown_beside_the_field(live_server, page):
    _, base_url = live_server
    campaign = CampaignFactory()
    page.goto(f"{base_url}/campaigns/{campaign.slug}")
    page.get_by_label("Full name").fill("Robin Carter")
    page.get_by_label("Email address").fill("robin@example")
    page.get_by_label("ZIP/postal code").fill("60614")
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_text(re.compile("Check your email address"))).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Robin Carter")
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
