"""On a phone, with the keyboard only: a refused form puts the person on the problem, and
console tables scroll inside the page instead of widening it."""

from __future__ import annotations

from playwright.sync_api import expect

from campaign.accounts.models import Role
from tests.support.factories import PASSWORD, AccountFactory, CampaignFactory, TargetFactory

PHONE = {"width": 375, "height": 812}


def test_signing_with_the_keyboard_on_a_phone_lands_on_the_field_in_error(live_server, browser):
    _, base_url = live_server
    campaign = CampaignFactory(title="Fund research into recovery")
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base_url}/campaigns/{campaign.slug}")
    name = page.get_by_label("Full name")
    name.focus()
    page.keyboard.type("Robin Carter")
    page.keyboard.press("Tab")
    page.keyboard.type("robin@example")  # no domain ending
    page.keyboard.press("Tab")
    page.keyboard.type("60614")
    page.keyboard.press("Enter")

    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    assert page.title().startswith("Error: ")
    described = email.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("Check your email address")
    box = email.bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]  # on screen, not far below
    border = email.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(180, 35, 24)"  # the error colour, not the plain grey
    context.close()


def test_a_refused_sign_in_is_read_out_and_focused(live_server, browser):
    _, base_url = live_server
    AccountFactory(email="kim@coalition.example.org", role=Role.COORDINATOR)
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email").fill("kim@coalition.example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("alert")).to_be_focused()
    assert page.title().startswith("Error: ")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for n in range(3):
        TargetFactory(
            name=f"Senator With A Long Name {n}",
            office="Committee on Health, Education, Labor, and Pensions",
        )
    page.goto(f"{base_url}/console/targets")
    region = page.get_by_role("region", name="Targets · Console")
    expect(region).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    context.close()
