"""GET /healthz for load balancers and monitors."""

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from campaign.core import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    state = health.check()
    return jsonify(state), 200 if state["database"] == "ok" else 503
