"""One bulk email for many recipients, at the speed the wire takes them.

Building and flattening a message with the email package costs more than sending it (about
two thirds of a sender's time, measured). So the email package builds the message once, with
markers where recipients differ; each recipient's copy is that skeleton with their own
headers and their own text and HTML bodies (rendered from the templates, quoted-printable)
put in. The copies are what rendering.build_message makes for the same recipient (a test
compares them), only made faster."""

from __future__ import annotations

import binascii
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app

from campaign.mail import rendering

# Markers the skeleton holds where each copy differs: ASCII words that no header encoding or
# quoted-printable changes.
_FIELDS = ("recipient", "message_id", "unsubscribe", "text", "html")
_MARK = {name: f"chorusfield{name.replace('_', '')}x" for name in _FIELDS}
_NAME = {mark: name for name, mark in _MARK.items()}
_SPLIT = re.compile("(" + "|".join(_MARK.values()) + ")")


def _quoted_printable(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, whatever line ends the text came with (a
    browser sends a text area's with CR LF; a bare CR must never reach the wire)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


class BulkMessages:
    """The template's message for every recipient of one mailing: same subject, sender and
    context; each copy with its recipient's own links, Message-ID and extra context."""

    def __init__(self, template: str, context: dict[str, Any], reply_to: str | None) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        config = app.config
        self.context = {
            **context,
            "coalition_name": config["COALITION_NAME"],
            "postal_address": config["POSTAL_ADDRESS"],
            "base_url": config["BASE_URL"],
        }
        app.update_template_context(self.context)
        env = app.jinja_env
        self.text = env.get_template(f"email/{template}/body.txt")
        self.html = env.get_template(f"email/{template}/body.html")
        subject = env.get_template(f"email/{template}/subject.txt").render(self.context)
        self.sender = config["BULK_MAIL_FROM"]
        self.envelope_sender = parseaddr(self.sender)[1]
        skeleton = EmailMessage()
        skeleton["Subject"] = " ".join(subject.split())
        skeleton["From"] = self.sender
        skeleton["To"] = f"{_MARK['recipient']}@example.invalid"
        if reply_to:
            skeleton["Reply-To"] = reply_to
        skeleton["Date"] = format_datetime(datetime.now(UTC))
        skeleton["Message-ID"] = f"<{_MARK['message_id']}@{rendering.domain_of(self.sender)}>"
        skeleton["List-Id"] = config["LIST_ID"]
        skeleton["List-Unsubscribe"] = _MARK["unsubscribe"]
        skeleton["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        skeleton.set_content(_MARK["text"], cte="quoted-printable")
        skeleton.add_alternative(_MARK["html"], subtype="html", cte="quoted-printable")
        flat = skeleton.as_bytes(policy=email.policy.SMTP).decode("ascii")
        flat = flat.replace(f"{_MARK['recipient']}@example.invalid", _MARK["recipient"])
        # Literal bytes at even places, the names of the fields between them at odd ones.
        self.pieces: list[bytes | str] = [
            piece.encode("ascii") if i % 2 == 0 else _NAME[piece]
            for i, piece in enumerate(_SPLIT.split(flat))
        ]

    def copy_for(self, recipient: str, message_key: str, extra: dict[str, Any]) -> bytes:
        """The message for one recipient, as it goes on the wire (DKIM-signed if it is to be)."""
        links = rendering.bulk_links(recipient)
        context = {**self.context, **extra, **links}
        values = {
            "recipient": recipient.encode("ascii"),
            "message_id": message_key.encode("ascii"),
            "unsubscribe": rendering.list_unsubscribe(links).encode("ascii"),
            "text": _quoted_printable(self.text.render(context)),
            "html": _quoted_printable(self.html.render(context)),
        }
        data = b"".join(
            piece if isinstance(piece, bytes) else values[piece] for piece in self.pieces
        )
        return rendering.dkim_signed(data, self.sender)
