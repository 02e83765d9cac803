"""Public views: thin, each calls a service and renders a template."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for

from campaign.services import counts, signing
from campaign.services.campaigns import (
    campaign_of,
    open_campaigns,
    public_campaign,
    public_endorsements,
)
from campaign.services.signing import Confirmation, SignatureRequest
from campaign.web.public import bp
from campaign.web.public.forms import ConfirmForm, RenewForm, SignForm


@bp.get("/")
def home() -> str:
    campaigns = open_campaigns()
    counts.refresh_stale_counts(campaigns)
    return render_template("public/home.html", campaigns=campaigns)


def _campaign_or_404(slug: str):  # type: ignore[no-untyped-def]
    campaign = public_campaign(slug)
    if campaign is None:
        abort(404)
    return campaign


def _campaign_page(campaign, form: SignForm, status: int = 200, notice: str | None = None):  # type: ignore[no-untyped-def]
    counts.refresh_stale_counts([campaign])
    return (
        render_template(
            "public/campaign.html",
            campaign=campaign,
            form=form,
            endorsements=public_endorsements(campaign),
            next_milestone=counts.next_milestone(campaign.confirmed_count, campaign.goal),
            notice=notice,
        ),
        status,
    )


@bp.get("/campaigns/<slug>")
def campaign(slug: str):  # type: ignore[no-untyped-def]
    return _campaign_page(_campaign_or_404(slug), SignForm())


@bp.post("/campaigns/<slug>/sign")
def sign(slug: str):  # type: ignore[no-untyped-def]
    campaign = _campaign_or_404(slug)
    form = SignForm()
    if not campaign.is_open:
        return _campaign_page(
            campaign, form, 409, "This petition is closed and no longer takes signatures."
        )
    if not form.validate():
        return _campaign_page(campaign, form, 400)
    signing.sign_petition(
        campaign,
        SignatureRequest(
            full_name=form.full_name.data,
            email=form.email.data,
            postal_code=form.postal_code.data,
            comment=form.comment.data or "",
            consent_updates=form.consent_updates.data,
        ),
    )
    return redirect(url_for("public.check_email", slug=campaign.slug), 303)


@bp.get("/campaigns/<slug>/check-email")
def check_email(slug: str) -> str:
    return render_template("public/check_email.html", campaign=_campaign_or_404(slug))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):  # type: ignore[no-untyped-def]
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome, signature = signing.confirm_signature(token)
    else:
        signature = signing.signature_for_token(token)
        outcome = signing.confirmation_state(signature)
    campaign = campaign_of(signature)
    if outcome is None:
        return render_template("public/confirm.html", form=form, campaign=campaign)
    return _confirmation_result(outcome, campaign, token)


@bp.post("/confirm/<token>/renew")
def renew(token: str):  # type: ignore[no-untyped-def]
    form = RenewForm()
    if not form.validate_on_submit():
        abort(400)
    outcome, signature = signing.renew_link(token)
    campaign = campaign_of(signature)
    if outcome is None:
        return render_template("public/link_renewed.html", campaign=campaign)
    return _confirmation_result(outcome, campaign, token)


def _confirmation_result(outcome: Confirmation, campaign, token: str):  # type: ignore[no-untyped-def]
    status = {Confirmation.UNKNOWN: 404, Confirmation.EXPIRED: 410}.get(outcome, 200)
    return (
        render_template(
            "public/confirmation_result.html",
            outcome=outcome.value,
            campaign=campaign,
            renew_form=RenewForm(),
            token=token,
        ),
        status,
    )
