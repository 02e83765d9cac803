"""Rendering an email from templates/email/<name>/ into a text + HTML message, with what bulk
mail must carry (unsubscribe headers and links, its own From), and its bytes, DKIM-signed
when a key is configured."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from typing import Any
from urllib.parse import quote

from flask import current_app, render_template

from campaign.core.links import external_url
from campaign.mail import unsubscribe

# The headers a DKIM signature covers: what a reader sees and what an unsubscribe does.
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)


def bulk_links(recipient: str) -> dict[str, str]:
    """The recipient's own unsubscribe and preferences links (one signed token for both)."""
    token = unsubscribe.token_for(recipient)
    return {
        "unsubscribe_url": external_url("public.unsubscribe", token=token),
        "preferences_url": external_url("public.email_preferences", token=token),
        "unsubscribe_token": token,
    }


def build_message(
    template: str,
    recipient: str,
    context: dict[str, Any],
    message_key: str | None = None,
    *,
    bulk: bool = False,
    reply_to: str | None = None,
) -> EmailMessage:
    """Render templates/email/<template>/ into a text + HTML message with the coalition footer.
    message_key makes the Message-ID stable (the same outbox row always gets the same one),
    so a resend after a lost answer is recognisable; without it (previews) it is random.
    Bulk mail comes from BULK_MAIL_FROM and carries List-Id, List-Unsubscribe (a signed
    https link and a mailto), RFC 8058 one-click, and visible unsubscribe and preferences
    links in its footer."""
    config = current_app.config
    links = bulk_links(recipient) if bulk else {}
    ctx = {
        **context,
        **links,
        "coalition_name": config["COALITION_NAME"],
        "postal_address": config["POSTAL_ADDRESS"],
        "base_url": config["BASE_URL"],
    }
    subject = render_template(f"email/{template}/subject.txt", **ctx)
    sender = config["BULK_MAIL_FROM"] if bulk else config["MAIL_FROM"]
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = (
        f"<{message_key}@{domain_of(sender)}>"
        if message_key
        else make_msgid(domain=domain_of(sender))
    )
    if bulk:
        add_list_headers(message, links)
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


def add_list_headers(message: EmailMessage, links: dict[str, str]) -> None:
    message["List-Id"] = current_app.config["LIST_ID"]
    message["List-Unsubscribe"] = list_unsubscribe(links)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def list_unsubscribe(links: dict[str, str]) -> str:
    """The List-Unsubscribe value: the signed https link first, then a mailto (RFC 2369)."""
    mailto = (
        f"mailto:{current_app.config['UNSUBSCRIBE_MAILTO']}"
        f"?subject={quote('unsubscribe ' + links['unsubscribe_token'])}"
    )
    return f"<{links['unsubscribe_url']}>, <{mailto}>"


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF line ends), with a DKIM-Signature header
    in front when DKIM_PRIVATE_KEY is set."""
    return dkim_signed(message.as_bytes(policy=email.policy.SMTP), str(message["From"]))


def dkim_signed(data: bytes, sender: str) -> bytes:
    """data with a DKIM-Signature in front, covering SIGNED_HEADERS, when a key is set."""
    key = _dkim_key(current_app.config["DKIM_PRIVATE_KEY"])
    if key is None:
        return data
    import dkim

    config = current_app.config
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    signature = dkim.sign(
        data,
        selector=config["DKIM_SELECTOR"].encode(),
        domain=(config["DKIM_DOMAIN"] or domain_of(sender)).encode(),
        privkey=key,
        include_headers=[
            h
            for h in SIGNED_HEADERS
            if head.startswith(h.lower() + b":") or b"\n" + h.lower() + b":" in head
        ],
    )
    return signature + data


@cache
def _dkim_key(setting: str | None) -> bytes | None:
    """DKIM_PRIVATE_KEY holds the PEM itself or the path of a file holding it."""
    if not setting:
        return None
    if "-----BEGIN" in setting:
        return setting.encode()
    with open(setting, "rb") as fh:
        return fh.read()
