"""A coordinator sends an appeal in a real browser: compose it, preview it as HTML and text,
send a test to themself, send it (after a confirmation page) and watch the live progress reach
100 % while the real worker sends it at the chosen rate."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.support.factories import PASSWORD, AccountFactory, CampaignFactory, ContactFactory

SHOTS = Path(__file__).resolve().parent.parent.parent / ".pytest_cache" / "screenshots"


def test_compose_preview_test_send_and_watch_an_appeal_finish(live_server, browser, mailbox):
    _, base_url = live_server
    AccountFactory(email="kim@coalition.example.org")
    CampaignFactory(title="Fund suicide prevention research")
    people = [ContactFactory() for _ in range(60)]
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_context().new_page()
    page.goto(base_url + "/sign-in")
    page.get_by_label("Email address").fill("kim@coalition.example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Appeals").click()
    page.get_by_role("link", name="New appeal").click()

    page.get_by_label("Subject").fill("Congress votes next week")
    page.get_by_label("Message (Markdown)").fill("Please sign **before Tuesday**.")
    page.get_by_label("The campaign to sign").select_option(
        label="Fund suicide prevention research"
    )
    page.get_by_label(re.compile("^At most this many messages a minute")).fill("120")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("It would go to 60 people now.")).to_be_visible()
    email = page.frame_locator("iframe[title='The email as HTML']")
    expect(email.locator("strong", has_text="before Tuesday")).to_be_visible()
    expect(
        email.get_by_role("link", name="Sign “Fund suicide prevention research”")
    ).to_be_visible()
    expect(page.get_by_label("The email as plain text")).to_contain_text(
        "Please sign **before Tuesday**."
    )
    page.screenshot(path=str(SHOTS / "appeal-preview.png"), full_page=True)
    page.locator("iframe[title='The email as HTML']").screenshot(
        path=str(SHOTS / "appeal-email.png")
    )
    page.get_by_role("button", name="Save the appeal").click()
    expect(page.get_by_text("The appeal is saved as a draft.")).to_be_visible()

    page.get_by_role("button", name="Send a test to myself").click()
    expect(page.get_by_text("A test is on its way to kim@coalition.example.org.")).to_be_visible()
    [test] = mailbox.wait_for("kim@coalition.example.org")
    assert test["Subject"] == "[Test] Congress votes next week"
    assert not any(mailbox.to(p.email) for p in people)

    page.get_by_role("button", name="Send…").click()
    page.get_by_role("button", name="Yes, send it to 60 people now").click()
    expect(page.get_by_text("Sending has started.")).to_be_visible()
    bar = page.get_by_label("Sent so far")
    expect(bar).not_to_have_attribute("value", "100", timeout=5000)  # 120 a minute: a while
    page.screenshot(path=str(SHOTS / "appeal-sending.png"), full_page=True)
    expect(page.locator("#appeal-status")).to_have_text("Sent", timeout=90_000)
    expect(page.get_by_label("Sent so far")).to_have_attribute("value", "100")
    expect(page.locator("[data-count=sent]")).to_have_text("60")
    page.screenshot(path=str(SHOTS / "appeal-sent.png"), full_page=True)
    assert all(len(mailbox.to(p.email)) == 1 for p in people)
