"""The coordinator console: applications, partners, coordinators, the audit log."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from campaign.web.console import authoring, campaigns, held, letters, mail, routes  # noqa: E402, F401
