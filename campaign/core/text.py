"""What a line of text people typed may hold."""

from __future__ import annotations

import re

# Control characters: nothing people type means them (tabs and line breaks aside).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(value: str, multiline: bool = False) -> bool:
    """True when value holds a control character, or a line break where one line is
    expected."""
    return bool(_CONTROL.search(value)) or (not multiline and ("\n" in value or "\r" in value))
