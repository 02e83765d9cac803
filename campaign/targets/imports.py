"""Targets: checking a CSV of decision makers in full, then importing all of it or none.

Small files are checked and imported during the request; large ones (up to 100,000 rows and
beyond) by a worker, with progress the console shows. Rows are merged with existing targets
by email address, and so are repeated addresses within one file (the last row wins).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import us
from celery import Task
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from campaign.core import audit, jobs
from campaign.core.addresses import InvalidEmail, check_email
from campaign.core.audit import Actor
from campaign.core.db import locked, utcnow
from campaign.core.errors import Refused
from campaign.core.text import has_control
from campaign.extensions import db
from campaign.targets.models import (
    ImportStatus,
    Target,
    TargetImport,
    TargetList,
    target_list_members,
)

log = logging.getLogger(__name__)


REQUIRED_COLUMNS = ("name", "title", "office", "email")
OPTIONAL_COLUMNS = ("state", "district")
MAX_BYTES = 16 * 1024 * 1024
# Files up to this size (about 2,000 rows) are checked and imported while the coordinator
# waits; larger ones by a worker.
IN_REQUEST_BYTES = 200 * 1024
IN_REQUEST_ROWS = 2000
MAX_PROBLEMS = 200
PREVIEW_ROWS = 20
CHUNK = 1000


class ImportRefused(Refused):
    """The import cannot go ahead; the text says why."""


@dataclass
class Checked:
    """A whole file, checked: the rows to import (one per email) and every problem found."""

    rows: dict[str, dict[str, str | None]] = field(default_factory=dict)
    problems: list[dict[str, object]] = field(default_factory=list)
    lines: int = 0
    merged: int = 0

    def problem(self, line: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"line": line, "message": message})
        else:
            self.problems[-1] = {"line": line, "message": "…and more problems after these."}


NOT_UTF8 = (
    "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again."
)


def decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(NOT_UTF8) from exc
    if "\x00" in text:  # UTF-16 without a byte-order mark decodes to this
        raise ImportRefused(NOT_UTF8)
    return text


def check(text: str) -> Checked:
    """Read every row and find every problem; change nothing."""
    checked = Checked()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        checked.problem(1, "The file is empty.")
        return checked
    except csv.Error as exc:
        checked.problem(1, f"This is not a CSV file we can read: {exc}.")
        return checked
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        expected = (
            ", ".join(REQUIRED_COLUMNS) + " (and optionally " + ", ".join(OPTIONAL_COLUMNS) + ")"
        )
        parts = [f"The columns must be {expected}."]
        if missing:
            parts.append("Missing: " + ", ".join(missing) + ".")
        if unknown:
            parts.append("Not recognised: " + ", ".join(h or "(blank)" for h in unknown) + ".")
        checked.problem(1, " ".join(parts))
        return checked
    try:
        for number, values in enumerate(reader, start=2):
            checked.lines += 1
            if not any(v.strip() for v in values):
                continue
            _check_row(checked, number, header, values)
    except csv.Error as exc:
        checked.problem(reader.line_num, f"The file is not valid CSV here: {exc}.")
    return checked


def _check_row(checked: Checked, line: int, header: list[str], values: list[str]) -> None:
    if len(values) != len(header):
        checked.problem(line, f"Expected {len(header)} values, found {len(values)}.")
        return
    row = {name: value.strip() for name, value in zip(header, values, strict=True)}
    for name in ("name", "title", "office"):
        if not row[name]:
            checked.problem(line, f"The {name} is missing.")
            return
        if len(row[name]) > 200:
            checked.problem(line, f"The {name} is longer than 200 characters.")
            return
    for name in ("name", "title", "office", "district"):
        if has_control(row.get(name) or ""):
            checked.problem(
                line, f"The {name} holds a line break or another character that is not allowed."
            )
            return
    try:
        email = check_email(row["email"]).lower()
    except InvalidEmail as exc:
        checked.problem(line, f"The email address “{row['email'][:80]}” is not valid: {exc}")
        return
    state = (row.get("state") or "").upper() or None
    found = us.states.lookup(state) if state and len(state) == 2 and state.isalpha() else None
    if state and found is None:
        checked.problem(line, f"“{row['state'][:20]}” is not a US state's two-letter code.")
        return
    state = found.abbr if found else None
    district = (row.get("district") or "") or None
    if district and len(district) > 20:
        checked.problem(line, "The district is longer than 20 characters.")
        return
    if email in checked.rows:
        checked.merged += 1
    checked.rows[email] = {
        "name": row["name"],
        "title": row["title"],
        "office": row["office"],
        "email": email,
        "state": state,
        "district": district,
    }


def start_import(actor: Actor, filename: str, content: bytes, list_name: str = "") -> TargetImport:
    """Keep the upload and check it: now when it is small, else on a worker."""
    if len(content) > MAX_BYTES:
        raise ImportRefused("The file must be 16 MB or smaller.")
    if not content.strip():
        raise ImportRefused("The file is empty.")
    text = decode(content)
    job = TargetImport(
        created_by_id=actor.account_id,
        filename=filename[:200] or "upload.csv",
        list_name=list_name.strip()[:120] or None,
        content=text,
        status=ImportStatus.CHECKING,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "targets.upload", "target_import", job.id, filename=job.filename)
    db.session.commit()
    if len(content) <= IN_REQUEST_BYTES:
        check_import(job.id)
    else:
        from campaign.targets.tasks import check_import_task  # the task calls this module

        _run_task(check_import_task, job)
    return job


def check_import(import_id: int) -> None:
    """Check a kept upload and record its problems, or its summary and preview."""
    job = db.session.get(TargetImport, import_id)
    if job is None or job.status != ImportStatus.CHECKING:
        return
    checked = check(job.content)
    job.total_rows = len(checked.rows)
    if checked.problems or not checked.rows:
        job.status = ImportStatus.INVALID
        job.problems = checked.problems or [{"line": 1, "message": "The file has no targets."}]
    else:
        existing = _existing_emails(list(checked.rows))
        job.status = ImportStatus.READY
        job.summary = {
            "new": len(checked.rows) - len(existing),
            "updated": len(existing),
            "merged": checked.merged,
            "preview": list(checked.rows.values())[:PREVIEW_ROWS],
        }
    db.session.commit()


def confirm_import(actor: Actor, import_id: int) -> TargetImport:
    """Import a checked file: now when it is small, else on a worker."""
    job = locked(TargetImport, import_id)
    if job is None:
        raise ImportRefused("There is no such import.")
    if job.status != ImportStatus.READY:
        raise ImportRefused(
            f"This import is {job.status.value}; only a checked file can be imported."
        )
    job.status = ImportStatus.IMPORTING
    audit.record(actor, "targets.import", "target_import", job.id, rows=job.total_rows)
    db.session.commit()
    if job.total_rows <= IN_REQUEST_ROWS:
        run_import(job.id, in_request=True)
    else:
        from campaign.targets.tasks import run_import_task  # the task calls this module

        _run_task(run_import_task, job)
    return job


def run_import(import_id: int, in_request: bool = False) -> None:
    """Write every row in one transaction, so a failure imports nothing. Progress is
    recorded on a separate connection, so the console can show it meanwhile."""
    job = db.session.get(TargetImport, import_id)
    if job is None or job.status != ImportStatus.IMPORTING:
        return
    checked = check(job.content)
    rows = list(checked.rows.values())
    try:
        for done, chunk in _chunks(rows):
            db.session.execute(_upsert(), chunk)
            _progress(job.id, done)
        if job.list_name:
            _add_to_list(job.list_name, list(checked.rows))  # keyed by each row's email
        job.status = ImportStatus.DONE
        job.processed_rows = len(rows)
        job.content = ""
        job.finished_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        db.session.execute(
            update(TargetImport)
            .where(TargetImport.id == import_id)
            .values(status=ImportStatus.FAILED, finished_at=utcnow())
        )
        db.session.commit()
        if not in_request:
            raise  # the worker logs it; in a request the page says it failed
        log.exception("target import %s failed", import_id)


def _chunks(rows: list[dict]) -> Iterator[tuple[int, list[dict]]]:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        yield start + len(chunk), chunk


def _progress(import_id: int, done: int) -> None:
    if db.engine.dialect.name != "postgresql":
        return  # SQLite allows one writer: the import's own transaction
    with db.engine.begin() as conn:
        conn.execute(
            update(TargetImport).where(TargetImport.id == import_id).values(processed_rows=done)
        )


def _upsert():
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Target).values(
        {
            name: bindparam(name)
            for name in ("name", "title", "office", "email", "state", "district")
        }
    )
    return stmt.on_conflict_do_update(
        index_elements=["email"],
        set_={c: stmt.excluded[c] for c in ("name", "title", "office", "state", "district")},
    )


def _existing_emails(emails: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(emails), CHUNK):
        found.update(
            db.session.scalars(
                select(Target.email).where(Target.email.in_(emails[start : start + CHUNK]))
            )
        )
    return found


def _add_to_list(name: str, emails: list[str]) -> None:
    target_list = db.session.scalar(select(TargetList).where(TargetList.name == name))
    if target_list is None:
        target_list = TargetList(name=name)
        db.session.add(target_list)
        db.session.flush()
    members = set(
        db.session.scalars(
            select(target_list_members.c.target_id).where(
                target_list_members.c.list_id == target_list.id
            )
        )
    )
    ids = [i for i in _ids_for(emails) if i not in members]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            insert(target_list_members),
            [{"list_id": target_list.id, "target_id": i} for i in ids[start : start + CHUNK]],
        )


def _ids_for(emails: list[str]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(emails), CHUNK):
        ids.extend(
            db.session.scalars(
                select(Target.id).where(Target.email.in_(emails[start : start + CHUNK]))
            )
        )
    return ids


def _run_task(task: Task, job: TargetImport) -> None:
    """Hand the job to a worker; if the broker cannot take it, the import is marked failed
    (nothing was written) rather than left waiting forever."""
    try:
        jobs.enqueue(task, job.id)
    except Exception:
        log.exception("could not hand target import %s to a worker", job.id)
        job.status = ImportStatus.FAILED
        job.problems = [{"line": 0, "message": "The import could not be started. Try again."}]
        job.finished_at = utcnow()
        db.session.commit()
