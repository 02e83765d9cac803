"""The partner directory, each partner's public page and its logo."""

from __future__ import annotations

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from campaign.letters import lists
from campaign.partners import directory
from campaign.partners.statement import FOCUS_AREAS
from campaign.web.pagination import paginate
from campaign.web.public import bp
from campaign.web.public.forms import STATES


@bp.get("/partners")
def partner_directory() -> str:
    focus = request.args.get("focus", "")
    state = request.args.get("state", "")
    focus = focus if focus in FOCUS_AREAS else ""
    state = state if any(c.value == state for c in STATES) else ""
    page = paginate(directory.approved_partners(focus or None, state or None))
    return render_template(
        "public/partners.html",
        page=page,
        focus=focus,
        state=state,
        focus_areas=FOCUS_AREAS,
        states=STATES,
    )


@bp.get("/partners/<slug>")
def partner_page(slug: str) -> str:
    partner = directory.public_partner(slug) or abort(404)
    return render_template(
        "public/partner_page.html",
        partner=partner,
        campaigns=directory.endorsed_campaigns(partner),
        letters=lists.letters_co_signed_by(partner.id),
        focus_areas=FOCUS_AREAS,
    )


@bp.get("/partners/<slug>/logo.png")
def partner_logo(slug: str) -> Response:
    logo = directory.partner_logo(slug) or abort(404)
    response = Response(logo, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"  # ?v= changes with each logo
    return response
