"""Public views: thin, each calls a service and renders a template."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from campaign.campaigns import counts, milestones, signing
from campaign.campaigns.models import Campaign
from campaign.campaigns.services import (
    campaign_of,
    campaign_share_image,
    open_campaigns,
    public_campaign,
    public_comments,
    public_endorsements,
    public_supporters,
    signable_campaign,
)
from campaign.campaigns.signing import Confirmation, SignatureRequest
from campaign.core.errors import Refused
from campaign.core.links import external_url
from campaign.deliveries.responses import responses_to
from campaign.letters import lists
from campaign.partners.membership import coalition_size
from campaign.web import Page
from campaign.web.page_cache import CSRF_PLACEHOLDER, cached_page, with_csrf_token
from campaign.web.public import bp
from campaign.web.public.email import appeal_from_cookie
from campaign.web.public.forms import SignForm


@bp.get("/")
def home() -> str:
    return cached_page("home", _render_home) or ""


def _render_home() -> str:
    campaigns = open_campaigns()
    counts.refresh_stale_counts(campaigns)
    letters = lists.open_letters()
    return render_template(
        "public/home.html",
        campaigns=campaigns,
        letters=letters,
        co_signers=lists.co_signer_counts([letter.id for letter in letters]),
        coalition_size=coalition_size(),
    )


@bp.get("/campaigns/<slug>")
def campaign_page(slug: str) -> str:
    html = cached_page(("campaign", slug), lambda: _render_campaign(slug))
    if html is None:
        abort(404)
    return with_csrf_token(html)


def _render_campaign(slug: str) -> str | None:
    campaign = public_campaign(slug)
    if campaign is None:
        return None
    return _campaign_page(campaign, SignForm(formdata=None), csrf_value=CSRF_PLACEHOLDER)[0]


def _campaign_page(
    campaign: Campaign,
    form: SignForm,
    status: int = 200,
    notice: str | None = None,
    csrf_value: str | None = None,
) -> tuple[str, int]:
    counts.refresh_stale_counts([campaign])
    html = render_template(
        "public/campaign.html",
        campaign=campaign,
        form=form,
        endorsements=public_endorsements(campaign),
        responses=responses_to(campaign),
        supporters=public_supporters(campaign),
        comments=public_comments(campaign),
        letters=lists.letters_for_campaign(campaign.id),
        next_milestone=milestones.next_milestone(
            campaign.confirmed_count, campaign.goal, campaign.extra_milestones
        ),
        milestones_reached=milestones.reached(campaign),
        notice=notice,
        csrf_value=csrf_value,
    )
    return html, status


@bp.get("/campaigns/<slug>/share.jpg")
def share_image(slug: str) -> Response:
    image = campaign_share_image(slug) or abort(404)
    response = Response(image, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=86400"  # ?v= changes with each image
    return response


@bp.post("/campaigns/<slug>/sign")
def sign(slug: str) -> Response | tuple[str, int]:
    campaign = signable_campaign(slug)
    if campaign is None:
        abort(404)
    form = SignForm()
    if not form.validate():
        return _full_page(slug, form, 400)
    try:
        signing.sign_petition(
            campaign,
            SignatureRequest(
                full_name=form.full_name.data,
                email=form.email.data,
                postal_code=form.postal_code.data,
                comment=form.comment.data or "",
                consent_updates=form.consent_updates.data,
                show_publicly=form.show_publicly.data,
                appeal_id=appeal_from_cookie(campaign.slug),
            ),
            request.remote_addr,
        )
    except Refused as exc:
        return _full_page(slug, form, exc.status, str(exc))
    return redirect(url_for("public.check_inbox", slug=campaign.slug), 303)


def _full_page(
    slug: str, form: SignForm, status: int, notice: str | None = None
) -> tuple[str, int]:
    campaign = public_campaign(slug)
    if campaign is None:
        abort(404)
    return _campaign_page(campaign, form, status, notice)


@bp.get("/campaigns/<slug>/check-email")
def check_inbox(slug: str) -> str:
    campaign = signable_campaign(slug)
    if campaign is None:
        abort(404)
    return render_template("public/check_email.html", campaign=campaign)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Page:
    """GET shows a button; only its POST confirms, so mail scanners that prefetch links
    cannot confirm for the person. CSRFProtect has checked the POST's token."""
    outcome: Confirmation | None
    if request.method == "POST":
        outcome, signature = signing.confirm_signature(token)
    else:
        signature = signing.signature_for_token(token)
        outcome = signing.confirmation_state(signature)
    campaign = campaign_of(signature)
    if outcome is None:
        return render_template("public/confirm.html", campaign=campaign, token=token)
    return _confirmation_result(outcome, campaign, token)


@bp.post("/confirm/<token>/renew")
def renew(token: str) -> Page:
    renewed, outcome, signature = signing.renew_link(token)
    campaign = campaign_of(signature)
    if renewed:
        return render_template("public/link_renewed.html", campaign=campaign)
    if outcome is None:  # the link still works
        return render_template("public/confirm.html", campaign=campaign, token=token)
    return _confirmation_result(outcome, campaign, token)


def _confirmation_result(outcome: Confirmation, campaign: Campaign | None, token: str) -> Page:
    status = {Confirmation.UNKNOWN: 404, Confirmation.EXPIRED: 410}.get(outcome, 200)
    share_url = external_url("public.campaign_page", slug=campaign.slug) if campaign else None
    html = render_template(
        "public/confirmation_result.html",
        outcome=outcome.value,
        campaign=campaign,
        token=token,
        share_url=share_url,
    )
    return html, status
