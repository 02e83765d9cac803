"""The outbox in the console: what is waiting, what was sent, what failed."""

from __future__ import annotations

from flask import render_template

from campaign.core.db import utcnow
from campaign.mail import outbox
from campaign.mail.models import EmailStatus, Stream
from campaign.web.access import coordinator_required
from campaign.web.console import bp


@bp.get("/mail")
@coordinator_required
def mail() -> str:
    state = outbox.state()
    waiting = (utcnow() - state.oldest_waiting).total_seconds() if state.oldest_waiting else 0
    return render_template(
        "console/mail.html",
        state=state,
        streams=list(Stream),
        statuses=list(EmailStatus),
        waiting_minutes=max(0, int(waiting // 60)),
    )
