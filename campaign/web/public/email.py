"""The links every bulk email carries: unsubscribe (a page with one button, and RFC 8058's
one-click POST from mail programs), email preferences, and an appeal's sign button."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from campaign.contacts import services as contacts
from campaign.core.errors import Refused
from campaign.extensions import csrf, db
from campaign.mail import unsubscribe as tokens
from campaign.web.public import bp
from campaign.web.public.forms import PreferencesForm

# The sign button of an appeal sets this for a week; the signature records the appeal.
APPEAL_COOKIE = "chorus_appeal"


def _refused(exc: Refused) -> tuple[str, int]:
    return render_template("public/email_link_refused.html", message=str(exc)), exc.status


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> str | tuple[str, int]:
    """A GET changes nothing (mail scanners follow links): the page has one button."""
    try:
        address = tokens.address_for(token)
    except tokens.BadUnsubscribeLink as exc:
        return _refused(exc)
    return render_template("public/unsubscribe.html", address=address, token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token is the proof; mail programs post without cookies (RFC 8058)
def unsubscribe_now(token: str) -> str | tuple[str, int]:
    try:
        address = tokens.address_for(token)
    except tokens.BadUnsubscribeLink as exc:
        return _refused(exc)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    changed = contacts.unsubscribe(
        address, "one-click unsubscribe from a mail program" if one_click else "unsubscribe page"
    )
    db.session.commit()
    return render_template(
        "public/unsubscribed.html", address=address, token=token, already=not changed
    )


@bp.route("/email/preferences/<token>", methods=["GET", "POST"])
def email_preferences(token: str) -> str | tuple[str, int]:
    try:
        address = tokens.address_for(token)
    except tokens.BadUnsubscribeLink as exc:
        return _refused(exc)
    form = PreferencesForm()
    saved = False
    if request.method == "POST":
        if not form.validate():
            return render_template(
                "public/email_preferences.html",
                form=form,
                preferences=contacts.preferences(address),
                saved=False,
            ), 400
        if form.updates.data:
            contacts.resubscribe(address, "email preferences page: updates on")
        else:
            contacts.unsubscribe(address, "email preferences page: updates off")
        db.session.commit()
        saved = True
    preferences = contacts.preferences(address)
    if request.method == "GET":
        form.updates.data = preferences.gets_updates
    return render_template(
        "public/email_preferences.html", form=form, preferences=preferences, saved=saved
    )


@bp.get("/campaigns/<slug>/from-appeal/<int:appeal_id>")
def from_appeal(slug: str, appeal_id: int) -> Response:
    """An appeal's sign button: remember which appeal, then show the campaign."""
    response = redirect(url_for("public.campaign_page", slug=slug), 303)
    response.set_cookie(
        APPEAL_COOKIE,
        f"{appeal_id}:{slug}",
        max_age=7 * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def appeal_from_cookie(slug: str) -> int | None:
    """The appeal that brought this visitor to this campaign, if one did."""
    raw, _, for_slug = request.cookies.get(APPEAL_COOKIE, "").partition(":")
    if for_slug != slug or not (raw.isascii() and raw.isdecimal() and len(raw) < 10):
        return None
    return int(raw)
