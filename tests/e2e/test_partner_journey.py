"""From the "How to partner" page to a public endorsement, in a real browser, with every
email going through the worker and the SMTP server."""

from __future__ import annotations

import re

from PIL import Image
from playwright.sync_api import expect

from tests.support.factories import PASSWORD, AccountFactory, CampaignFactory
from tests.support.smtp import text_part

INVITE_LINK = re.compile(r"https?://\S+/invitation/[A-Za-z0-9_\-]+")


def test_apply_approve_accept_and_endorse(live_server, browser, mailbox, tmp_path):
    _, base_url = live_server
    campaign = CampaignFactory(title="Fund early-intervention trials")
    AccountFactory(email="kim@coalition.example.org")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (600, 200), (216, 155, 43)).save(logo)

    applicant = browser.new_context().new_page()
    applicant.goto(base_url + "/")
    applicant.get_by_role("link", name="How to partner").click()
    applicant.get_by_label("Organization name").fill("Youth Mind Alliance")
    applicant.get_by_label("Website").fill("https://youthmind.example.org")
    applicant.get_by_label("What your organization does").fill(
        "Young people leading on mental health."
    )
    applicant.get_by_label("Youth", exact=True).check()
    applicant.get_by_label("States served").select_option(["CA", "OR"])
    applicant.get_by_label("Approximate constituency size").select_option("10k-100k")
    applicant.get_by_label("Contact name").fill("Ana Ruiz")
    applicant.get_by_label("Contact's title").fill("Director")
    applicant.get_by_label("Contact email").fill("ana@youthmind.example.org")
    applicant.get_by_label("I agree to the coalition statement").check()
    applicant.get_by_role("button", name="Send our application").click()
    expect(applicant.get_by_role("heading", name="Thank you for applying")).to_be_visible()
    mailbox.wait_for("ana@youthmind.example.org")  # the acknowledgement
    mailbox.wait_for("kim@coalition.example.org")  # the coordinators' notice

    coordinator = browser.new_context().new_page()
    coordinator.goto(base_url + "/sign-in")
    coordinator.get_by_label("Email address").fill("kim@coalition.example.org")
    coordinator.get_by_label("Password").fill(PASSWORD)
    coordinator.get_by_role("button", name="Sign in").click()
    coordinator.get_by_role("link", name="Youth Mind Alliance").click()
    coordinator.get_by_role("button", name="Approve and invite the contact").click()
    expect(coordinator.get_by_text("Youth Mind Alliance is now a partner")).to_be_visible()

    invitation = mailbox.wait_for("ana@youthmind.example.org", 2)[1]
    link = INVITE_LINK.search(text_part(invitation)).group(0)
    assert link.startswith(base_url)
    applicant.goto(link)
    applicant.get_by_label("Your name").fill("Ana Ruiz")
    applicant.get_by_label("Choose a password").fill("a long and private passphrase")
    applicant.get_by_label("Repeat the password").fill("a long and private passphrase")
    applicant.get_by_role("button", name="Create my account").click()
    expect(applicant.get_by_role("heading", name="Youth Mind Alliance")).to_be_visible()

    applicant.get_by_role("link", name="Profile").click()
    applicant.get_by_label("New logo (PNG, JPEG or WebP, up to 1 MB)").set_input_files(str(logo))
    applicant.get_by_role("button", name="Save the profile").click()
    expect(applicant.get_by_text("Your profile is saved.")).to_be_visible()

    applicant.get_by_role("navigation", name="Portal").get_by_role("link", name="Campaigns").click()
    card = applicant.get_by_role("listitem").filter(has_text=campaign.title)
    card.get_by_label("Your public statement (optional)").fill(
        "Research that starts young changes lives."
    )
    card.get_by_role("button", name=f"Endorse {campaign.title}").click()
    expect(applicant.get_by_text("Your organization now endorses this campaign.")).to_be_visible()

    public = browser.new_context().new_page()
    public.goto(f"{base_url}/campaigns/{campaign.slug}")
    endorsed_by = public.get_by_role("region", name="Endorsed by")
    expect(endorsed_by.get_by_role("img", name="Youth Mind Alliance logo")).to_be_visible()
    expect(endorsed_by.get_by_text("Research that starts young changes lives.")).to_be_visible()
    shown = endorsed_by.get_by_role("img", name="Youth Mind Alliance logo")
    assert shown.evaluate("img => img.naturalWidth") == 400
