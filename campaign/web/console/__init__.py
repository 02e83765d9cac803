"""The coordinator console: applications, partners, coordinators, the audit log."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from campaign.web.console import (  # noqa: E402, F401
    appeals,
    authoring,
    campaigns,
    held,
    letters,
    mail,
    routes,
    signers,
)
