"""Rendering an email from templates/email/<name>/ into a text + HTML message."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template


def build_message(
    template: str, recipient: str, context: dict[str, Any], message_key: str | None = None
) -> EmailMessage:
    """Render templates/email/<template>/ into a text + HTML message with the coalition footer.
    message_key makes the Message-ID stable (the same outbox row always gets the same one),
    so a resend after a lost answer is recognisable; without it (previews) it is random."""
    config = current_app.config
    ctx = {
        **context,
        "coalition_name": config["COALITION_NAME"],
        "postal_address": config["POSTAL_ADDRESS"],
        "base_url": config["BASE_URL"],
    }
    subject = render_template(f"email/{template}/subject.txt", **ctx)
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = (
        f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    )
    message.set_content(render_template(f"email/{template}/body.txt", **ctx))
    message.add_alternative(render_template(f"email/{template}/body.html", **ctx), subtype="html")
    for attachment in context.get("attachments", []):
        maintype, _, subtype = attachment["mimetype"].partition("/")
        message.add_attachment(
            attachment["content"].encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return message
