"""Accounts of coordinators and partner staff."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models._types import UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_MEMBER = "partner_member"


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
