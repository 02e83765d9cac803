"""The base form and validators shared by the forms of every audience."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import Field, Form, ValidationError

from campaign.core.errors import Refused
from campaign.core.text import has_control

# The largest id a row can have (PostgreSQL's integer): larger numbers are no row's id.
MAX_ID = 2**31 - 1


def record_id(value: object) -> int:
    """coerce= for fields that carry row ids: a number a row's id can be (0 for none), else
    the field's "not a valid choice" message, never a number the database cannot compare."""
    number = int(str(value))
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return number


def id_argument(raw: str) -> int | None:
    """A row id from a query string value, or None when it cannot be one."""
    try:
        return record_id(raw) or None
    except ValueError:
        return None


def strip(value: str | None) -> str | None:
    """A field filter: surrounding space never counts."""
    return value.strip() if isinstance(value, str) else value


class ReadableText:
    """Refuse text with control characters or bytes that were not valid UTF-8."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if "\ufffd" in value:
            raise ValidationError("This contains characters we could not read. Please retype it.")
        if has_control(value, self.multiline):
            raise ValidationError("This contains characters that are not allowed.")


class ChorusForm(FlaskForm):
    """Base of every form. CSRFProtect checks the token of every POST before any view runs, so
    the forms do not check it a second time; templates add it with csrf_input()."""

    class Meta:
        csrf = False


def check_website(field: Field) -> None:
    """A full http(s) address whose host is a domain name: the only kind of link we show or
    follow. No spaces, and no user part (https://example.org@evil.example goes to evil)."""
    value = field.data or ""
    parts = urlsplit(value)
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except (UnicodeError, ValueError):
        host = ""
    if (
        parts.scheme not in ("http", "https")
        or not _DOMAIN.fullmatch(host)
        or "@" in parts.netloc
        or any(c.isspace() for c in value)
    ):
        raise ValidationError("Enter the full address, like https://example.org.")


_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


def end_of_day(day: date) -> datetime:
    """The moment a day chosen in a form ends (UTC), that is as the next one starts."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def beside_its_field(form: Form, refusal: Refused, name: str | None = None) -> bool:
    """Show a service's refusal beside the form field it names (`name` when the form calls
    that field otherwise); False when the form has no such field, for the page to show the
    refusal above the form instead."""
    field = getattr(form, name or refusal.field or "", None)
    if not isinstance(field, Field):
        return False
    field.errors = [*field.errors, str(refusal)]
    return True
