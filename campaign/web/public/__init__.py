"""Pages for the public: campaigns, signing and confirming."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from campaign.web.public import directory, email, letters, partnering, routes  # noqa: E402, F401
