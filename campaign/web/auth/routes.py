"""Account views: thin, each calls campaign.accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from campaign.accounts import services as accounts
from campaign.accounts import tokens as account_tokens
from campaign.accounts.models import Account, Role, TokenPurpose
from campaign.core import throttle
from campaign.core.errors import Refused
from campaign.web import Page
from campaign.web.auth import bp
from campaign.web.auth.forms import (
    AcceptInvitationForm,
    EmailChangeForm,
    NewPasswordForm,
    ResetRequestForm,
    SignInForm,
)

SIGN_IN_REFUSED = "That email and password do not match an account."


def home_for(account: Account) -> str:
    return url_for("console.home") if account.role == Role.COORDINATOR else url_for("portal.home")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


def _begin_session(account: Account) -> None:
    session.clear()  # nothing from before sign-in carries over (session fixation)
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without a request
    login_user(account)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Page:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.is_submitted():
        if not (
            throttle.allow("20/minute", "sign-in-address", request.remote_addr or "")
            and throttle.allow("5/minute", "sign-in-email", request.form.get("email", "").strip())
        ):
            abort(429)
        if form.validate():
            account = accounts.authenticate(form.email.data, form.password.data)
            if account is not None:
                _begin_session(account)
                return redirect(_safe_next(request.args.get("next")) or home_for(account), 303)
            return render_template("auth/sign_in.html", form=form, refused=SIGN_IN_REFUSED), 400
        return render_template("auth/sign_in.html", form=form), 400
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())  # copied cookies too
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"), 303)


@bp.route("/reset", methods=["GET", "POST"])
def request_reset() -> Page:
    form = ResetRequestForm()
    if form.is_submitted():
        if not throttle.allow("5/minute", "reset", request.remote_addr or ""):
            abort(429)
        if not form.validate():
            return render_template("auth/reset_request.html", form=form), 400
        accounts.ask_for_password_reset(form.email.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Page:
    try:
        account_tokens.peek(TokenPurpose.PASSWORD_RESET, token)
    except Refused as exc:
        return _link_problem(exc, url_for("auth.request_reset"), "Ask for a new reset link")
    form = NewPasswordForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("auth/reset_password.html", form=form), 400
        try:
            account = accounts.reset_password(token, form.password.data, request.remote_addr)
        except Refused as exc:
            return _link_problem(exc, url_for("auth.request_reset"), "Ask for a new reset link")
        _begin_session(account)
        flash("Your password is changed.")
        return redirect(home_for(account), 303)
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Page:
    try:
        invitation = account_tokens.peek(TokenPurpose.INVITATION, token)
        accounts.check_invitation(invitation)
    except Refused as exc:
        return _link_problem(exc, None, None)
    form = AcceptInvitationForm()
    if form.is_submitted():
        if not form.validate():
            return render_template(
                "auth/accept_invitation.html", form=form, invitation=invitation
            ), 400
        try:
            account = accounts.accept_invitation(
                token, form.name.data, form.password.data, request.remote_addr
            )
        except account_tokens.TokenInvalid as exc:  # the link no longer works
            return _link_problem(exc, None, None)
        except Refused as exc:
            return _link_problem(exc, url_for("auth.sign_in"), "Sign in")
        _begin_session(account)
        flash("Welcome. Your account is ready.")
        return redirect(home_for(account), 303)
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account_settings() -> Page:
    form = EmailChangeForm()
    if form.is_submitted():
        if form.validate():
            try:
                accounts.request_email_change(
                    current_user._get_current_object(), form.new_email.data, form.password.data
                )
            except Refused as exc:
                return render_template("auth/account.html", form=form, refused=str(exc)), 400
            flash(f"We have sent a link to {form.new_email.data}. Open it to confirm the change.")
            return redirect(url_for("auth.account_settings"), 303)
        return render_template("auth/account.html", form=form), 400
    return render_template("auth/account.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> Page:
    """GET shows a button; only its POST changes the address (mail scanners open links)."""
    try:
        account_tokens.peek(TokenPurpose.EMAIL_CHANGE, token)
        if request.method == "POST":
            account = accounts.confirm_email_change(token, request.remote_addr)
            flash(f"Your email address is now {account.email}.")
            return redirect(url_for("auth.sign_in"), 303)
    except Refused as exc:
        return _link_problem(exc, None, None)
    return render_template("auth/confirm_email_change.html")


def _link_problem(exc: Exception, next_url: str | None, next_label: str | None) -> Page:
    html = render_template(
        "auth/link_problem.html", problem=str(exc), next_url=next_url, next_label=next_label
    )
    return html, 410
