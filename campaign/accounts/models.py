"""Accounts of coordinators and partner staff."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campaign.core.db import Model, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_MEMBER = "partner_member"


class Account(Model):
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


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"


class AccountToken(Model):
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, 20))
    # SHA-256 of the emailed token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who the email went to: the invitee, the account, or the new address to verify.
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # For invitations: what the new account will be.
    role: Mapped[Role | None] = mapped_column(enum_column(Role, 20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
