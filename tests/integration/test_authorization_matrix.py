"""Every route in the app, as every kind of person: each gets exactly what its role allows,
and nobody ever gets a 500."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.world import PERSONAS, build_world, signed_in_as

ADMIN_ONLY = {
    "portal.endorse",
    "portal.withdraw",
    "portal.profile",
    "portal.invite_member",
    "portal.change_role",
    "portal.remove_member",
    "portal.co_sign",
    "portal.withdraw_co_signature",
}
# POSTs that change nothing and answer with a page (the campaign form's live preview, the
# confirmation page before an appeal is sent).
RENDERING_POSTS = {"console.campaign_preview", "console.appeal_send"}
# Objects that belong to partner A: partner B's admin must not even learn they exist.
PARTNER_A_OBJECTS = {"portal.change_role", "portal.remove_member"}


def expectation(endpoint: str, persona: str) -> str:
    area = endpoint.split(".")[0]
    if area == "console":
        return {"anonymous": "sign-in", "coordinator": "view"}.get(persona, "forbidden")
    if area == "portal":
        if persona == "anonymous":
            return "sign-in"
        if persona == "coordinator" or (persona == "member_a" and endpoint in ADMIN_ONLY):
            return "forbidden"
        if persona in ("admin_b", "suspended_admin") and endpoint in PARTNER_A_OBJECTS:
            return "not-found"
        if persona == "suspended_admin":
            return "look-only"
        return "view"
    if endpoint == "auth.account_settings":
        return "sign-in" if persona == "anonymous" else "view"
    return "public"


@pytest.fixture
def world(app: Flask):
    return build_world()


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_as_every_persona(app, client, world, persona):
    token, walked = signed_in_as(app, client, world, persona)
    assert {"console.approve", "portal.endorse", "public.sign", "auth.account_settings"} <= {
        endpoint for endpoint, _, _ in walked
    }
    for endpoint, method, url in walked:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        status, where = response.status_code, response.headers.get("Location", "")
        label = f"{persona} {method} {url} ({endpoint}) -> {status}"
        assert status < 500, label
        expected = expectation(endpoint, persona)
        if expected == "sign-in":
            assert status == 302 and "/sign-in" in where, label
        elif expected == "forbidden":
            assert status == 403, label
        elif expected == "not-found":
            assert status == 404, label
        elif expected == "view" and method == "GET":
            assert status == 200 or (status == 302 and "/sign-in" not in where), label
        elif expected == "view" and endpoint in RENDERING_POSTS:
            assert status == 200, label
        elif expected == "view":  # a POST without its fields: taken, or refused for its input
            assert status in (303, 400, 409), label
        elif expected == "look-only":  # a suspended partner's staff may look but not act
            assert status == 200 if method == "GET" else status in (400, 404, 409), label
        else:
            assert status != 403, label
