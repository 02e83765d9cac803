"""The partner portal: endorsements, the organization's profile and team."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from campaign.web.portal import letters, routes  # noqa: E402, F401
