"""A joint letter from draft to delivery, in a real browser, with every email going through
the worker and the SMTP server."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from campaign.accounts.models import Role
from tests.support.factories import PASSWORD, AccountFactory, PartnerFactory, TargetFactory
from tests.support.smtp import text_part


def signed_in(browser, base_url, email):
    page = browser.new_context().new_page()
    page.goto(base_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_draft_open_co_sign_twice_deliver(live_server, browser, mailbox):
    _, base_url = live_server
    TargetFactory(name="Sen. Maria Delgado", email="delgado@senate.example.gov", state="NM")
    TargetFactory(name="Dr. Alicia Grant", email="grant@nimh.example.gov", state=None)
    AccountFactory(email="kim@coalition.example.org")
    for name, email in (
        ("Hope Network", "ana@hope.example.org"),
        ("Youth Mind", "bo@youthmind.example.org"),
    ):
        partner = PartnerFactory(name=name)
        AccountFactory(email=email, role=Role.PARTNER_ADMIN, partner_id=partner.id)

    coordinator = signed_in(browser, base_url, "kim@coalition.example.org")
    coordinator.get_by_role("link", name="Letters").click()
    coordinator.get_by_role("link", name="Draft a new letter").click()
    coordinator.get_by_label("Title").fill("Double research funding")
    coordinator.get_by_label("Text of the letter (Markdown)").fill(
        "Dear decision makers,\n\nWe ask you to **double** mental-health research funding."
    )
    addressed_to = coordinator.get_by_label("Addressed to")
    addressed_to.select_option(label=addressed_to.locator("option").all_inner_texts())
    coordinator.get_by_label("Co-signing deadline").fill(
        (date.today() + timedelta(days=14)).isoformat()
    )
    coordinator.get_by_role("button", name="Save the letter").click()
    expect(coordinator.get_by_text("The draft is saved.")).to_be_visible()
    coordinator.get_by_role("button", name="Open it for co-signing and tell the partners").click()
    expect(coordinator.get_by_text("The letter is open; partners have been told.")).to_be_visible()

    for email, signatory in (
        ("ana@hope.example.org", "Ana Ruiz"),
        ("bo@youthmind.example.org", "Bo Chen"),
    ):
        [opened] = mailbox.wait_for(email)
        assert "Double research funding" in opened["Subject"]
        partner = signed_in(browser, base_url, email)
        partner.get_by_role("link", name="Joint letters").click()
        partner.get_by_role("link", name="Double research funding").click()
        partner.get_by_label("Signatory's name").fill(signatory)
        partner.get_by_label("Signatory's title").fill("Executive Director")
        partner.get_by_label("I confirm this person is authorized").check()
        partner.get_by_role("button", name="Co-sign the letter").click()
        expect(partner.get_by_text("Your organization has co-signed the letter.")).to_be_visible()

    coordinator.reload()
    coordinator.get_by_role("link", name="Preview and deliver to the targets").click()
    expect(coordinator.get_by_text("What Dr. Alicia Grant will receive")).to_be_visible()
    coordinator.get_by_role("button", name="Send to 2 targets").click()
    expect(coordinator.get_by_text("The letter is on its way to 2 targets.")).to_be_visible()

    [to_grant] = mailbox.wait_for("grant@nimh.example.gov")
    body = text_part(to_grant)
    assert body.startswith("To Dr. Alicia Grant")
    assert "Hope Network (Ana Ruiz, Executive Director)" in body
    assert "Youth Mind (Bo Chen, Executive Director)" in body
    mailbox.wait_for("delgado@senate.example.gov")
    mailbox.wait_for("ana@hope.example.org", 2)  # told it went out

    coordinator.get_by_label("Who answered").select_option(label="Dr. Alicia Grant")
    coordinator.get_by_label("Date of the answer").fill(date.today().isoformat())
    coordinator.get_by_label("What they said").fill("NIMH will brief the committee.")
    coordinator.get_by_role("button", name="Record the answer").click()
    expect(coordinator.get_by_text("The answer is recorded")).to_be_visible()

    public = browser.new_context().new_page()
    public.goto(base_url + "/letters/double-research-funding")
    expect(public.get_by_text("NIMH will brief the committee.")).to_be_visible()
    expect(public.get_by_text("Delivered on")).to_be_visible()
    expect(public.get_by_role("heading", name="2 organizations signed")).to_be_visible()
    expect(public.get_by_text("Bo Chen, Executive Director")).to_be_visible()
