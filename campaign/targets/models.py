"""Targets (decision makers that campaigns and letters address), named lists of them, and
CSV imports that bring them in."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow
from campaign.extensions import db

target_list_members = Table(
    "target_list_members",
    db.metadata,
    Column("list_id", ForeignKey("target_lists.id", ondelete="CASCADE"), primary_key=True),
    Column("target_id", ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True),
)


class Target(Model):
    """A decision maker a campaign or letter is addressed to."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    office: Mapped[str] = mapped_column(String(200))
    state: Mapped[str | None] = mapped_column(String(2))
    district: Mapped[str | None] = mapped_column(String(20))
    # One target per address: imports merge on it.
    email: Mapped[str] = mapped_column(String(254), unique=True)

    lists: Mapped[list[TargetList]] = relationship(
        secondary=target_list_members, back_populates="targets"
    )


class TargetList(Model):
    __tablename__ = "target_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list[Target]] = relationship(
        secondary=target_list_members, order_by=Target.name, back_populates="lists"
    )


class ImportStatus(enum.StrEnum):
    CHECKING = "checking"
    INVALID = "invalid"
    READY = "ready"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"


class TargetImport(Model):
    """An uploaded CSV, checked in full before anything is imported."""

    __tablename__ = "target_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    filename: Mapped[str] = mapped_column(String(200))
    list_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus, 10), default=ImportStatus.CHECKING
    )
    # The file itself, kept until the import is done (emptied then).
    content: Mapped[str] = deferred(mapped_column(Text))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    # [{"line": 3, "message": "..."}, ...], the first few hundred problems.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"new": n, "updated": n, "merged": n} and the first rows, for the preview.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
