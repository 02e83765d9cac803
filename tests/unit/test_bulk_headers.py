"""What every bulk message carries (RFC 2369 List-Id and List-Unsubscribe, RFC 8058 one-click,
its own From, a visible unsubscribe link), and DKIM signatures that cover those headers, checked
with dkimpy against the key's public half."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import dkim
import pytest

from campaign import create_app
from campaign.mail import rendering, unsubscribe


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unit.db'}",
            "BASE_URL": "https://chorus.example.org",
        }
    )
    with app.app_context():
        yield app


def context() -> dict:
    return {
        "subject": "Sign now",
        "body_html": "<p>Please</p>",
        "body_text": "Please",
        "full_name": "",
    }


def test_bulk_messages_carry_the_list_headers_and_the_transactional_ones_do_not(app):
    bulk = rendering.build_message(
        "appeal", "ann@example.org", context(), bulk=True, reply_to="Staff <s@x.org>"
    )
    assert bulk["From"] == app.config["BULK_MAIL_FROM"] and bulk["Reply-To"] == "Staff <s@x.org>"
    assert bulk["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip(" <>") for part in str(bulk["List-Unsubscribe"]).split(",")]
    assert https.startswith("https://chorus.example.org/unsubscribe/")
    assert unsubscribe.address_for(https.rsplit("/", 1)[1]) == "ann@example.org"
    assert mailto.startswith("mailto:unsubscribe@")
    assert https in bulk.get_body(preferencelist=("plain",)).get_content()

    plain = rendering.build_message("appeal", "ann@example.org", context())
    assert plain["From"] == app.config["MAIL_FROM"]
    assert plain["List-Unsubscribe"] is None and plain["Reply-To"] is None


def rsa_key(folder: Path) -> tuple[str, bytes]:
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is needed to make a DKIM test key")
        pytest.skip("openssl is needed to make a DKIM test key")
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return str(key), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signatures_cover_the_unsubscribe_headers_and_verify(app, tmp_path):
    key_path, record = rsa_key(tmp_path)
    app.config.update(
        DKIM_PRIVATE_KEY=key_path, DKIM_SELECTOR="s1", DKIM_DOMAIN="chorus.example.org"
    )
    message = rendering.build_message("appeal", "ann@example.org", context(), bulk=True)
    signed = rendering.as_bytes(message)
    assert signed.startswith(b"DKIM-Signature:")
    header = signed.split(b"\r\n\r\n", 1)[0].decode()
    signed_headers = (
        header.split("h=", 1)[1].split(";", 1)[0].replace("\r\n", "").replace(" ", "").lower()
    )
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post", "list-id"} <= set(
        signed_headers.split(":")
    )

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"s1._domainkey.chorus.example.org."
        return record

    assert dkim.verify(signed, dnsfunc=dns)
    from campaign.mail.bulk import BulkMessages

    fast = BulkMessages("appeal", context(), reply_to=None).copy_for("bo@example.org", "k1", {})
    assert fast.startswith(b"DKIM-Signature:") and dkim.verify(fast, dnsfunc=dns)
    tampered = signed.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nothing"
    )
    assert tampered != signed and not dkim.verify(tampered, dnsfunc=dns)


def test_without_a_key_nothing_is_signed(app):
    message = rendering.build_message("appeal", "ann@example.org", context(), bulk=True)
    assert not rendering.as_bytes(message).startswith(b"DKIM-Signature:")


def test_the_fast_copies_are_the_messages_build_message_makes(app):
    """The skeleton path of mail.bulk and rendering.build_message: same headers, same parts."""
    import email
    import email.policy

    from campaign.mail.bulk import BulkMessages

    body = "Café “quotes”, = signs, a long line " + "word " * 60 + "\n\n.a dot at a line's start"
    extra = {"full_name": "Zoë Ångström"}
    shared = {**context(), "body_text": body, "body_html": f"<p>{body}</p>"}
    fast = BulkMessages("appeal", shared, reply_to="Staff <s@x.org>").copy_for(
        "ann@example.org", "abc123", extra
    )
    slow = rendering.as_bytes(
        rendering.build_message(
            "appeal",
            "ann@example.org",
            {**shared, **extra},
            message_key="abc123",
            bulk=True,
            reply_to="Staff <s@x.org>",
        )
    )
    assert b"\r\n" in fast and b"\n" not in fast.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in fast.split(b"\r\n")) <= 998
    ours, theirs = (email.message_from_bytes(m, policy=email.policy.default) for m in (fast, slow))
    for header in (
        "Subject",
        "From",
        "To",
        "Reply-To",
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        assert str(ours[header]) == str(theirs[header]), header
    for kind in ("plain", "html"):
        got = ours.get_body(preferencelist=(kind,)).get_content()
        assert got == theirs.get_body(preferencelist=(kind,)).get_content(), kind
    assert "Zoë Ångström" in ours.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(
    ("code", "text", "stage", "bounce"),
    [
        (550, "5.1.1 Mailbox does not exist", "rcpt", True),
        (451, "4.3.0 Try again later", "rcpt", True),
        (552, "5.2.2 Mailbox full", "data", True),
        (554, "5.7.1 Message rejected as spam", "data", False),  # our content, not them
        (550, "5.7.1 DMARC policy", "data", False),
        (550, "5.7.1 Relaying denied", "rcpt", False),
        (421, "4.4.2 Closing connection", "rcpt", False),
        (550, "Sender not allowed", None, False),  # MAIL FROM: ours
    ],
)
def test_only_refusals_about_the_recipient_count_as_bounces(code, text, stage, bounce):
    from campaign.mail.transport import is_bounce

    assert is_bounce(code, text, stage) is bounce


def test_a_confirmation_from_its_skeleton_is_the_message_build_message_makes(app):
    """Transactional mail (mail.skeleton.copy_of): the same headers and parts as the email
    package's own message, its own Date, and no list headers."""
    import email
    import email.policy
    import email.utils

    from campaign.mail import skeleton

    context = {
        "full_name": "Zoë Ångström",
        "campaign_title": "Fund “youth” research = now " + "long " * 30,
        "confirm_url": "https://chorus.example.org/confirm/" + "t" * 43,
        "ttl_hours": 72,
    }
    sender, fast = skeleton.copy_of("signature_confirm", "ann@example.org", context, "k9")
    slow = rendering.as_bytes(
        rendering.build_message("signature_confirm", "ann@example.org", context, "k9")
    )
    assert sender == email.utils.parseaddr(app.config["MAIL_FROM"])[1]  # the envelope's
    assert b"\n" not in fast.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in fast.split(b"\r\n")) <= 998
    ours, theirs = (email.message_from_bytes(m, policy=email.policy.default) for m in (fast, slow))
    for header in ("Subject", "From", "To", "Message-ID", "MIME-Version", "Content-Type"):
        assert str(ours[header]).split(";")[0] == str(theirs[header]).split(";")[0], header
    assert ours["Date"].datetime is not None and not ours["Date"].defects
    assert ours["List-Unsubscribe"] is None and ours["Reply-To"] is None
    for kind in ("plain", "html"):
        got = ours.get_body(preferencelist=(kind,)).get_content()
        assert got == theirs.get_body(preferencelist=(kind,)).get_content(), kind
    assert context["confirm_url"] in ours.get_body(preferencelist=("plain",)).get_content()
    # Another signer of the same campaign: the same skeleton, their own name and link.
    other = {**context, "full_name": "Bo", "confirm_url": "https://chorus.example.org/confirm/x"}
    _, second = skeleton.copy_of("signature_confirm", "bo@example.org", other, "k10")
    parsed = email.message_from_bytes(second, policy=email.policy.default)
    assert parsed["To"] == "bo@example.org" and "k10@" in parsed["Message-ID"]
    assert "confirm/x" in parsed.get_body(preferencelist=("plain",)).get_content()


def test_an_address_that_is_not_ascii_is_left_to_the_email_package(app):
    from campaign.mail import skeleton

    context = {"full_name": "A", "campaign_title": "T", "confirm_url": "u", "ttl_hours": 1}
    assert skeleton.copy_of("signature_confirm", "zoë@exämple.org", context, "k") is None


def test_a_subject_cannot_reach_into_the_skeleton(app):
    """Subjects may come from public forms: one that looks like the skeleton's own lines
    changes nothing but itself, and one that holds the Date stand-in is laid out by the
    email package instead."""
    import email
    import email.policy

    from campaign.mail import skeleton

    def made(title: str) -> email.message.EmailMessage:
        context = {"full_name": "A", "campaign_title": title, "confirm_url": "u", "ttl_hours": 1}
        copy = skeleton.copy_of("signature_confirm", "ann@example.org", context, "k")
        data = (
            copy[1]
            if copy
            else rendering.as_bytes(
                rendering.build_message("signature_confirm", "ann@example.org", context, "k")
            )
        )
        return email.message_from_bytes(data, policy=email.policy.default)

    for title in (
        "chorusfieldtextx chorusfieldrecipientx",  # the markers of an earlier version
        "Research\r\nBcc: victim@example.org",
        "Date: Mon, 01 Jan 2001 00:00:00 +0000",
    ):
        message = made(title)
        assert message["Bcc"] is None and message["To"] == "ann@example.org", title
        assert " ".join(title.split()) in str(message["Subject"]), title
        assert message["Date"].datetime.year >= 2026, title
        assert "u" in message.get_body(preferencelist=("plain",)).get_content()
