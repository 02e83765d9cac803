"""Accounts of coordinators and partner staff."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
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
    # The organization a partner admin or member acts for; None for coordinators.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # Set when a partner removes the member or a coordinator closes the account.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session's user id: bumping it ends every session of the account (sign-out,
    # a new password or email address), even one whose cookie was copied.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login's user interface.
    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_partner_admin(self) -> bool:
        return self.role == Role.PARTNER_ADMIN
