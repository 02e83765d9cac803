"""Helpers the templates call."""

from __future__ import annotations

from flask import g


def takes_focus() -> bool:
    """True for the first thing on a page that asks: what the browser focuses when the page
    opens (a form's refusal, or its first field in error), so that after a refused submit a
    person on a phone lands on the problem, not at the top of the page."""
    if g.get("focus_taken"):
        return False
    g.focus_taken = True
    return True
