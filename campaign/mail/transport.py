"""Turning an outbox row into a multipart message and handing it to SMTP or the mail folder."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from campaign.mail import rendering

log = logging.getLogger(__name__)


class SendFailure(Exception):
    """The server did not take the message; its answer is the exception's text. `bounce`:
    it refused this recipient (see is_bounce), not our connection, sender or content."""

    def __init__(self, reason: str, bounce: bool = False, ours: bool = False) -> None:
        super().__init__(reason)
        self.bounce = bounce
        self.ours = ours  # our credentials were refused: nothing goes until they are fixed


class TemporaryFailure(SendFailure):
    """The server could not take the message now; try again later."""


class PermanentFailure(SendFailure):
    """The server refused the message for good."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def send_bytes(self, sender: str, recipient: str, data: bytes) -> None: ...


class SmtpTransport:
    """Sends over one SMTP connection per process, reopened when the server drops it.
    SMTP_URL: smtp://host:port, smtp://user:password@host:587?starttls=1, smtps://host:465."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            if self.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password)
            self._conn = conn
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._conn.close()
        self._conn = None

    def send(self, message: EmailMessage) -> None:
        sender = parseaddr(str(message["From"]))[1]
        self.send_bytes(sender, str(message["To"]), rendering.as_bytes(message))

    def send_bytes(self, sender: str, recipient: str, data: bytes) -> None:
        """Send a message as it goes on the wire (CRLF line ends, signed if it is to be)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    refused = self._connection().sendmail(sender, [recipient], data)
                except smtplib.SMTPServerDisconnected as exc:
                    # A reused connection may have timed out on the server's side: reopen once.
                    self._drop()
                    if attempt == 2:
                        raise TemporaryFailure(f"server disconnected: {exc}") from exc
                    continue
                except smtplib.SMTPRecipientsRefused as exc:
                    code, answer = next(iter(exc.recipients.values()))
                    raise _failure(code, answer, stage="rcpt") from exc
                except smtplib.SMTPDataError as exc:
                    self._reset_after_error()
                    raise _failure(exc.smtp_code, exc.smtp_error, stage="data") from exc
                except smtplib.SMTPAuthenticationError as exc:
                    # Our credentials, not the message: keep the mail for when they are fixed.
                    self._drop()
                    raise TemporaryFailure(
                        f"mail server refused our login: {exc}", ours=True
                    ) from exc
                except smtplib.SMTPResponseException as exc:
                    self._reset_after_error()
                    raise _failure(exc.smtp_code, exc.smtp_error) from exc
                except smtplib.SMTPNotSupportedError as exc:
                    self._drop()
                    raise PermanentFailure(f"not supported by the mail server: {exc}") from exc
                except (OSError, smtplib.SMTPException) as exc:
                    self._drop()
                    raise TemporaryFailure(f"cannot reach mail server: {exc}") from exc
                if refused:
                    code, answer = next(iter(refused.values()))
                    raise _failure(code, answer, stage="rcpt")
                return

    def _reset_after_error(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


def _failure(
    code: int, answer: bytes | str, stage: str | None = None
) -> TemporaryFailure | PermanentFailure:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    reason = f"{code} {text}"
    bounce = is_bounce(code, text, stage)
    if 500 <= code < 600:
        return PermanentFailure(reason, bounce)
    return TemporaryFailure(reason, bounce)


_ENHANCED = re.compile(r"\s*[245]\.(\d{1,3})\.\d{1,3}")


def is_bounce(code: int, text: str, stage: str | None) -> bool:
    """Whether a refusal is about this recipient (their address, their mailbox) rather than
    about us: a refusal of the recipient (RCPT), or at DATA one naming the mailbox (x.1.x,
    x.2.x). Never a server closing the connection (421) nor a policy refusal (x.7.x: our
    content, our DKIM, our rate), which would otherwise suppress everyone after them."""
    enhanced = _ENHANCED.match(text)
    subject = enhanced.group(1) if enhanced else None
    if code == 421 or subject == "7":
        return False
    if stage == "rcpt":
        return True
    return stage == "data" and subject in ("1", "2")


class FolderTransport:
    """The embedded default: each message becomes an .eml file under instance/mail/."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.send_bytes(str(message["From"]), str(message["To"]), rendering.as_bytes(message))

    def send_bytes(self, sender: str, recipient: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{secrets.token_hex(6)}.eml"
        path.write_bytes(data)
        log.info("Mail to %s written to %s", recipient, path)


_transports: dict[str, Transport] = {}


def transport() -> Transport:
    """The process's transport for the app's settings, created once."""
    url = current_app.config["SMTP_URL"]
    key = url or current_app.config["MAIL_DIR"]
    if key not in _transports:
        _transports[key] = SmtpTransport(url) if url else FolderTransport(key)
    return _transports[key]
