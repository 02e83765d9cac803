"""A campaign's signers in the console: the list, and showing or hiding their comments."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for

from campaign.campaigns import signers
from campaign.campaigns.models import Campaign
from campaign.core.errors import Refused
from campaign.extensions import db
from campaign.web import Page
from campaign.web.access import coordinator_required, current_actor
from campaign.web.console import bp
from campaign.web.pagination import paginate


@bp.get("/campaigns/<int:campaign_id>/signatures")
@coordinator_required
def signatures(campaign_id: int) -> str:
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "all")
    if status not in signers.STATUSES:
        status = "all"
    return render_template(
        "console/signatures.html",
        campaign=campaign,
        page=paginate(signers.signers(campaign.id, q, status)),
        counts=signers.signer_counts(campaign.id),
        q=q,
        status=status,
        statuses=signers.STATUSES,
    )


@bp.post("/campaigns/<int:campaign_id>/signatures/<int:signature_id>/<any(show, hide):choice>")
@coordinator_required
def signature_comment(campaign_id: int, signature_id: int, choice: str) -> Page:
    try:
        signers.show_comment(current_actor(), campaign_id, signature_id, choice == "show")
    except Refused as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(str(exc))
    else:
        flash(
            "The comment is shown on the campaign page."
            if choice == "show"
            else "The comment is hidden."
        )
    back = request.form.get("back", "")
    if not re.fullmatch(rf"/console/campaigns/{campaign_id}/signatures(\?[\x21-\x7e]*)?", back):
        back = url_for("console.signatures", campaign_id=campaign_id)
    return redirect(back, 303)
