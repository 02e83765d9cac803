"""Rebuild campaign/data/zip_states.csv from the `zipcodes` package's data.

The table holds runs of consecutive five-digit ZIP codes in one state as `first,last,state`,
so the app looks a ZIP up with one binary search and needs no package at run time.
Run: python scripts/build_zip_table.py (needs requirements-dev.txt).
"""

from pathlib import Path

import zipcodes

OUT = Path(__file__).resolve().parent.parent / "campaign" / "data" / "zip_states.csv"


def main() -> None:
    rows = sorted((int(z["zip_code"]), z["state"]) for z in zipcodes.list_all())
    runs: list[list] = []
    for code, state in rows:
        if runs and runs[-1][2] == state:
            runs[-1][1] = code
        else:
            runs.append([code, code, state])
    lines = [f"{first:05d},{last:05d},{state}" for first, last, state in runs]
    OUT.write_text("first,last,state\n" + "\n".join(lines) + "\n")
    print(f"{len(rows)} ZIP codes in {len(runs)} runs -> {OUT}")


if __name__ == "__main__":
    main()
