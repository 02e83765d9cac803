"""What an appeal's email says, its stable Message-IDs, and a test of it to its coordinator."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app

from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.links import external_url
from campaign.core.markup import render_markdown
from campaign.extensions import db
from campaign.mail import outbox

from .composing import AppealRefused
from .models import Appeal, Audience


def message_key(message_id: int) -> str:
    """The left part of a message's Message-ID: stable per recipient row, telling nothing."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"appeal:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


def appeal_context(appeal: Appeal, test: bool = False) -> dict[str, Any]:
    """What the appeal email says, the same for every recipient but their name and links."""
    campaign = appeal.campaign
    return {
        "subject": appeal.subject,
        "body_html": str(render_markdown(appeal.body)),
        "body_text": appeal.body,
        "campaign_title": campaign.title if campaign else None,
        "sign_url": (
            external_url("public.from_appeal", slug=campaign.slug, appeal_id=appeal.id)
            if campaign
            else None
        ),
        "partner_notice": appeal.audience == Audience.PARTNERS,
        "test": test,
    }


def reply_to(appeal: Appeal) -> str | None:
    """Partner notices are answered to the staff; appeals to supporters are not."""
    return current_app.config["REPLY_TO"] if appeal.audience == Audience.PARTNERS else None


def send_test(actor: Actor, appeal_id: int, address: str) -> None:
    """Email the appeal, as a recipient would get it, to the coordinator themself (even if
    their address is on the suppression list: they asked for this one)."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise AppealRefused("There is no such appeal.")
    outbox.queue_email(
        "appeal",
        address,
        {
            **appeal_context(appeal, test=True),
            "full_name": "",
            "as_bulk": True,
            "reply_to": reply_to(appeal),
        },
    )
    audit.record(actor, "appeal.test", "appeal", appeal.id, to=address)
    db.session.commit()
