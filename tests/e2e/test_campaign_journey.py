"""A coordinator launches a petition from the console and runs it, in a real browser: write
it, watch the live preview, open it, a person signs and confirms, the coordinator finds the
signature and shows its comment, and the public page shows it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import CONFIRM_LINK
from tests.support.factories import PASSWORD, AccountFactory, TargetFactory
from tests.support.smtp import text_part


def test_launch_sign_and_show_a_comment(live_server, browser, mailbox):
    _, base_url = live_server
    AccountFactory(email="kim@coalition.example.org")
    TargetFactory(name="Sen. Maria Delgado", title="Chair", office="U.S. Senate")

    coordinator = browser.new_context().new_page()
    coordinator.goto(base_url + "/sign-in")
    coordinator.get_by_label("Email address").fill("kim@coalition.example.org")
    coordinator.get_by_label("Password").fill(PASSWORD)
    coordinator.get_by_role("button", name="Sign in").click()
    expect(coordinator.get_by_role("heading", name="What needs attention")).to_be_visible()
    coordinator.get_by_role("link", name="Start one").click()

    coordinator.get_by_label("Title").fill("Fund eating disorder research")
    coordinator.get_by_label(re.compile("^Summary")).fill(
        "Eating disorders have the highest mortality of any mental illness."
    )
    coordinator.get_by_label("The ask: what the petition asks for").fill(
        "We ask Congress to double NIH funding for eating disorder research."
    )
    coordinator.get_by_label("Why it matters (Markdown, optional)").fill(
        "Research is **underfunded**."
    )
    coordinator.get_by_label("Signature goal").fill("100")
    coordinator.get_by_label("Addressed to").select_option(
        label="Sen. Maria Delgado, Chair, U.S. Senate"
    )
    preview = coordinator.get_by_role("region", name="Preview of the public page")
    expect(preview.get_by_role("heading", name="Fund eating disorder research")).to_be_visible()
    expect(preview.locator("strong", has_text="underfunded")).to_be_visible()  # as typed
    coordinator.get_by_role("button", name="Save the campaign").click()
    expect(coordinator.get_by_text("The draft is saved")).to_be_visible()

    coordinator.get_by_role("link", name="Open the campaign").click()
    expect(coordinator.get_by_text("Its address can no longer change")).to_be_visible()
    coordinator.get_by_role("button", name="Yes, open the campaign").click()
    expect(coordinator.get_by_text("The campaign is open for signatures.")).to_be_visible()

    signer = browser.new_context().new_page()
    signer.goto(base_url + "/")
    signer.get_by_role("link", name="Fund eating disorder research", exact=True).click()
    signer.get_by_label("Full name").fill("Robin Carter")
    signer.get_by_label("Email address").fill("robin@example.org")
    signer.get_by_label("ZIP/postal code").fill("60614")
    signer.get_by_label("Why this matters to you (optional)").fill("For my sister, who recovered.")
    signer.get_by_role("button", name="Sign the petition").click()
    [message] = mailbox.wait_for("robin@example.org")
    signer.goto(CONFIRM_LINK.search(text_part(message)).group(0))
    signer.get_by_role("button", name="Confirm my signature").click()
    expect(signer.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()

    coordinator.get_by_role("link", name=re.compile("confirmed signatures")).click()
    expect(coordinator.get_by_role("cell", name="Robin Carter", exact=True)).to_be_visible()
    coordinator.get_by_role("button", name=re.compile("Show on the page")).click()
    expect(coordinator.get_by_text("The comment is shown on the campaign page.")).to_be_visible()

    signer.goto(base_url + "/campaigns/fund-eating-disorder-research")
    comments = signer.get_by_role("region", name="Why supporters signed")
    expect(comments.get_by_text("For my sister, who recovered.")).to_be_visible()
    expect(comments.get_by_text("A supporter, Illinois")).to_be_visible()  # name not chosen
