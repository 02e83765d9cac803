"""Messages made from a skeleton, at the speed the wire takes them.

Building and flattening a message with the email package costs more than sending it (about
two thirds of a sender's time, measured, for appeals and for confirmations alike). So the
email package builds a message once, with markers where copies differ; each copy is that
skeleton with its own recipient, Message-ID, Date and text and HTML bodies (rendered from
the templates, quoted-printable) put in. The copies are what rendering.build_message makes
(tests compare them), only made faster."""

from __future__ import annotations

import binascii
import email.policy
import re
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template

from campaign.mail import rendering

# Markers the skeleton holds where each copy differs: ASCII words that no header encoding or
# quoted-printable changes, with a secret of the process in them, so that no subject (which
# may come from a public form) can hold one.
_FIELDS = ("recipient", "message_id", "date", "unsubscribe", "text", "html")
_SECRET = secrets.token_hex(8)
_MARK = {name: f"chorus{_SECRET}{name.replace('_', '')}x" for name in _FIELDS}
_NAME = {mark: name for name, mark in _MARK.items()}
_SPLIT = re.compile("(" + "|".join(_MARK.values()) + ")")
_DATE_STAND_IN = "Mon, 01 Jan 2001 00:00:00 +0000"
# An address as it may stand in To: without the email package (which would refuse a line
# break): one local part and one domain, nothing else.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class NoSkeleton(ValueError):
    """This message cannot be made from a skeleton; build it with the email package."""


def quoted_printable(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, whatever line ends the text came with (a
    browser sends a text area's with CR LF; a bare CR must never reach the wire)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


class Skeleton:
    """One subject from one sender, as the email package lays it out, with markers for
    what differs between copies. With list_headers it carries List-Id, List-Unsubscribe
    (filled per copy) and one-click, as bulk mail must."""

    def __init__(self, subject: str, sender: str, reply_to: str | None, list_headers: bool) -> None:
        self.sender = sender
        self.envelope_sender = parseaddr(sender)[1]
        message = EmailMessage()
        message["Subject"] = " ".join(subject.split())
        message["From"] = sender
        message["To"] = f"{_MARK['recipient']}@example.invalid"
        if reply_to:
            message["Reply-To"] = reply_to
        message["Date"] = _DATE_STAND_IN  # a date header must parse as one
        message["Message-ID"] = f"<{_MARK['message_id']}@{rendering.domain_of(sender)}>"
        if list_headers:
            message["List-Id"] = current_app.config["LIST_ID"]
            message["List-Unsubscribe"] = _MARK["unsubscribe"]
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(_MARK["text"], cte="quoted-printable")
        message.add_alternative(_MARK["html"], subtype="html", cte="quoted-printable")
        flat = message.as_bytes(policy=email.policy.SMTP).decode("ascii")
        flat = flat.replace(f"{_MARK['recipient']}@example.invalid", _MARK["recipient"])
        # At a line's start: a subject could end with the stand-in, never start a line.
        date_line = f"\r\nDate: {_DATE_STAND_IN}\r\n"
        if flat.count(date_line) != 1:
            raise NoSkeleton("the subject holds the Date stand-in")
        flat = flat.replace(date_line, f"\r\nDate: {_MARK['date']}\r\n")
        # Literal bytes at even places, the names of the fields between them at odd ones.
        self.pieces: list[bytes | str] = [
            piece.encode("ascii") if i % 2 == 0 else _NAME[piece]
            for i, piece in enumerate(_SPLIT.split(flat))
        ]
        fields = sorted(p for p in self.pieces if isinstance(p, str))
        expected = sorted(n for n in _FIELDS if list_headers or n != "unsubscribe")
        if fields != expected:
            raise NoSkeleton(f"fields {fields}, expected {expected}")

    def fill(
        self, recipient: str, message_key: str, text: str, html: str, unsubscribe: str = ""
    ) -> bytes:
        """The copy for one recipient, as it goes on the wire (DKIM-signed if it is to be).
        Raises NoSkeleton for an address that is not a plain ASCII one."""
        if not _PLAIN_ADDRESS.fullmatch(recipient):
            raise NoSkeleton("not a plain address")
        values = {
            "recipient": recipient.encode("ascii"),
            "message_id": message_key.encode("ascii"),
            "date": format_datetime(datetime.now(UTC)).encode("ascii"),
            "unsubscribe": unsubscribe.encode("ascii"),
            "text": quoted_printable(text),
            "html": quoted_printable(html),
        }
        data = b"".join(
            piece if isinstance(piece, bytes) else values[piece] for piece in self.pieces
        )
        return rendering.dkim_signed(data, self.sender)


_SKELETONS: OrderedDict[tuple[str, str], Skeleton] = OrderedDict()  # (subject, sender)
_MAX_SKELETONS = 64  # a surge is one campaign's confirmations: one subject
_SKELETONS_LOCK = threading.Lock()


def _skeleton(subject: str, sender: str) -> Skeleton:
    """The transactional skeleton of subject, from the last _MAX_SKELETONS made."""
    key = (subject, sender)
    with _SKELETONS_LOCK:
        skeleton = _SKELETONS.get(key)
        if skeleton is not None:
            _SKELETONS.move_to_end(key)
            return skeleton
    skeleton = Skeleton(subject, sender, None, list_headers=False)
    with _SKELETONS_LOCK:
        _SKELETONS[key] = skeleton
        if len(_SKELETONS) > _MAX_SKELETONS:
            _SKELETONS.popitem(last=False)
    return skeleton


def copy_of(
    template: str, recipient: str, context: dict[str, Any], message_key: str
) -> tuple[str, bytes] | None:
    """A transactional email (from MAIL_FROM, no list headers) made from the skeleton of its
    subject: its envelope sender and its bytes. None when it needs the email package
    itself: attachments, or an address that is not plain ASCII."""
    if context.get("attachments") or not _PLAIN_ADDRESS.fullmatch(recipient):
        return None
    config = current_app.config
    ctx = {
        **context,
        "coalition_name": config["COALITION_NAME"],
        "postal_address": config["POSTAL_ADDRESS"],
        "base_url": config["BASE_URL"],
    }
    subject = render_template(f"email/{template}/subject.txt", **ctx)
    try:
        skeleton = _skeleton(subject, config["MAIL_FROM"])
    except NoSkeleton:
        return None
    text = render_template(f"email/{template}/body.txt", **ctx)
    html = render_template(f"email/{template}/body.html", **ctx)
    return skeleton.envelope_sender, skeleton.fill(recipient, message_key, text, html)
