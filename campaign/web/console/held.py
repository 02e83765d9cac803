"""Held signatures in the console: what busy addresses sent, released or discarded."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from campaign.campaigns import holds, signing
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp

ACTIONS = {"release": signing.release_held, "discard": signing.discard_held}


@bp.get("/held")
@coordinator_required
def held() -> str:
    return render_template("console/held.html", addresses=holds.held_addresses())


@bp.route("/held/<action>", methods=["GET", "POST"])
@coordinator_required
def decide_held(action: str) -> Page | Response:
    """GET asks for confirmation, saying what will happen; POST does it."""
    address = request.values.get("address", "")
    if action not in ACTIONS:
        abort(404)
    found = next(iter(holds.held_addresses(address)), None)
    if found is None:
        flash("Nothing from that address is held (any more).")
        return redirect(url_for("console.held"), 303 if request.method == "POST" else 302)
    if request.method == "GET":
        return render_template("console/confirm_held.html", action=action, held=found)
    done = ACTIONS[action](current_actor(), address)
    verb = (
        "released: their confirmation emails are on their way"
        if action == "release"
        else ("discarded")
    )
    flash(f"{done} signature{'s' if done != 1 else ''} from {address} {verb}.")
    return redirect(url_for("console.held"), 303)
