"""The "How to partner" page and its application form."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from campaign.core import throttle
from campaign.core.errors import Refused
from campaign.partners import applications
from campaign.partners.statement import STATEMENT
from campaign.web.public import bp
from campaign.web.public.forms import ApplicationForm


@bp.route("/partner", methods=["GET", "POST"])
def how_to_partner() -> str | Response | tuple[str, int]:
    form = ApplicationForm()
    refusal = None
    if form.is_submitted():
        if not throttle.allow(APPLICATIONS_PER_ADDRESS, "apply", request.remote_addr or ""):
            abort(429)
        if form.validate():
            try:
                applications.apply_to_partner(
                    applications.ApplicationRequest(
                        **{name: form[name].data for name in APPLICATION_FIELDS}
                    )
                )
            except Refused as exc:
                refusal = str(exc)
            else:
                return redirect(url_for("public.application_received"), 303)
        page = render_template(
            "public/partner.html", form=form, statement=STATEMENT, refusal=refusal
        )
        return page, 409 if refusal else 400
    return render_template("public/partner.html", form=form, statement=STATEMENT)


# Applications one address may send (each emails the contact and every coordinator).
APPLICATIONS_PER_ADDRESS = "5/hour"

APPLICATION_FIELDS = (
    "organization_name",
    "website",
    "description",
    "focus_areas",
    "states_served",
    "constituency_size",
    "contact_name",
    "contact_title",
    "contact_email",
)


@bp.get("/partner/thanks")
def application_received() -> str:
    return render_template("public/application_received.html")
