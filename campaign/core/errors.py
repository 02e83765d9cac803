"""Refusals: a request that cannot be done, with the reason written for the person asking."""

from __future__ import annotations


class Refused(ValueError):
    """Raised by a service when it refuses a request; str() is the message to show, and
    status the HTTP status a page that shows it answers with; field, when one value is the
    reason, names it so a form can show the message beside it. Nothing was changed."""

    status = 409

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(Refused):
    """The object asked about does not exist, or is not the asker's to see."""

    status = 404
