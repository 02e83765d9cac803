"""ZIP code → US state, from the table shipped in campaign/data/zip_states.csv."""

from __future__ import annotations

import bisect
import csv
import re
from functools import cache
from pathlib import Path

import us

_TABLE = Path(__file__).resolve().parent.parent / "data" / "zip_states.csv"
US_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@cache
def _runs() -> tuple[list[int], list[int], list[str]]:
    firsts: list[int] = []
    lasts: list[int] = []
    states: list[str] = []
    with _TABLE.open(newline="") as fh:
        for row in csv.DictReader(fh):
            firsts.append(int(row["first"]))
            lasts.append(int(row["last"]))
            states.append(row["state"])
    return firsts, lasts, states


def state_for_zip(postal_code: str) -> str | None:
    """The two-letter state of a US ZIP (or ZIP+4), or None when it is not a known ZIP."""
    match = US_ZIP.match(postal_code.strip())
    if not match:
        return None
    code = int(match.group(1))
    firsts, lasts, states = _runs()
    i = bisect.bisect_right(firsts, code) - 1
    if i >= 0 and code <= lasts[i]:
        return states[i]
    return None


def state_name(abbr: str | None) -> str:
    state = us.states.lookup(abbr) if abbr else None
    return state.name if state else (abbr or "")
