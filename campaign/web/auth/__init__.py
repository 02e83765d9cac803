"""Signing in and out, invitations, password resets and email changes."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from campaign.web.auth import routes  # noqa: E402, F401
