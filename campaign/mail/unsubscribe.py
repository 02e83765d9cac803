"""Signed, per-recipient unsubscribe tokens: the proof, in a link or a one-click POST (RFC
8058), that the request comes from someone who got the email. No cookie, no CSRF token, no
database row: the signature is checked with SECRET_KEY and the age with the link's lifetime."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campaign.core.addresses import normalize_email
from campaign.core.errors import Refused

_SALT = "chorus.unsubscribe"


class BadUnsubscribeLink(Refused):
    """A link that was altered or is too old: nothing changes, and the page says so."""

    status = 400


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token_for(address: str) -> str:
    return _serializer().dumps(normalize_email(address))


def address_for(token: str) -> str:
    """The (normalized) address a token was made for, or BadUnsubscribeLink."""
    max_age = current_app.config["UNSUBSCRIBE_LINK_DAYS"] * 86400
    try:
        address = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise BadUnsubscribeLink(
            "This unsubscribe link is too old to use. Use the link in a more recent email, "
            "or write to us and we will take you off the list."
        ) from exc
    except BadSignature as exc:
        raise BadUnsubscribeLink(
            "This unsubscribe link is not one we sent: it may have been cut short or changed. "
            "Copy the whole link from the email and try again."
        ) from exc
    if not isinstance(address, str) or "@" not in address:
        raise BadUnsubscribeLink("This unsubscribe link is not one we sent.")
    return address
