"""Email address checks and the normalization used to find duplicate signatures."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from campaign.core.errors import Refused

_GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


class InvalidEmail(Refused):
    """The address is not one we can send to; the message says why in plain words."""

    status = 400


def check_email(address: str) -> str:
    """Return the address in the form every mail server accepts (an internationalized domain
    in its ASCII form), or raise InvalidEmail. No DNS lookups. Non-ASCII mailbox names are
    refused: many mail servers cannot deliver to them."""
    try:
        result = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return result.ascii_email or result.normalized


def normalize_email(address: str) -> str:
    """The key one person's signature is known by: case and surrounding space do not count,
    and for Gmail neither do dots or a +tag in the local part."""
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    if domain in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
