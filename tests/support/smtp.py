"""A real SMTP server for the tests (aiosmtpd), keeping what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    """Messages accepted by the server. Recipients containing 'reject' get a permanent 550,
    those containing 'tempfail' a temporary 451, 'policy' a 550 5.7.1. With `delay` set,
    each message is kept (accepted) and only then answered, that many seconds later: a
    sender that dies in between never learns that it was accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.connections = 0
        self.delay = 0.0
        # With `hold` set, each RCPT is answered only that many seconds later: a sender that
        # dies meanwhile has had nothing accepted. `holding` counts the RCPTs held now.
        self.hold = 0.0
        self.holding = 0
        self._cond = threading.Condition()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if "refused-sender" in address:  # our sender, not a recipient, is refused
            return "550 5.7.1 Sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold:
            with self._cond:
                self.holding += 1
            try:
                await asyncio.sleep(self.hold)
            finally:
                with self._cond:
                    self.holding -= 1
        if "reject" in address:
            return "550 5.1.1 Mailbox does not exist"
        if "tempfail" in address:
            return "451 4.3.0 Try again later"
        if "policy" in address:  # a refusal on the server's policy, not about the mailbox
            return "550 5.7.1 Recipient rejected by policy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()
            self.connections = 0
            self.delay = 0.0
            self.hold = 0.0

    def copies(self) -> dict[str, int]:
        """How many times each Message-ID arrived."""
        with self._cond:
            return dict(Counter(str(m["Message-ID"]) for m in self.messages))

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until `count` messages to `address` have arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.to(address)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} message(s) to {address}, got {len(self.to(address))}"
                    )
                self._cond.wait(remaining)
            return self.to(address)


def start_smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()
