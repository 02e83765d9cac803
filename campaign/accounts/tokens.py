"""Emailed single-use tokens for accounts: invitations, password resets, email changes."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update

from campaign.accounts.models import AccountToken, TokenPurpose
from campaign.core.db import utcnow
from campaign.core.errors import Refused
from campaign.core.tokens import hash_token, new_token
from campaign.extensions import db

LIFETIME = {
    TokenPurpose.INVITATION: timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.EMAIL_CHANGE: timedelta(days=1),
}


class TokenInvalid(Refused):
    """The link is unknown, used or expired; the text says which, for the person holding it."""


def issue(purpose: TokenPurpose, email: str, **fields: object) -> str:
    """Add a token row to the caller's transaction; return the token for the emailed link."""
    token, token_hash = new_token()
    db.session.add(
        AccountToken(
            purpose=purpose,
            token_hash=token_hash,
            email=email,
            expires_at=utcnow() + LIFETIME[purpose],
            **fields,
        )
    )
    return token


def peek(purpose: TokenPurpose, token: str) -> AccountToken:
    """The token's row if the link still works, else TokenInvalid. Changes nothing."""
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose
        )
    )
    if row is None:
        raise TokenInvalid("We do not recognise this link. It may have been copied incompletely.")
    if row.used_at is not None:
        raise TokenInvalid("This link has already been used.")
    if row.expires_at <= utcnow():
        raise TokenInvalid("This link has expired.")
    return row


def spend(purpose: TokenPurpose, token: str) -> AccountToken:
    """Mark the token used in the caller's transaction; only one caller can spend it."""
    row = peek(purpose, token)
    spent = cast(
        CursorResult,  # what execute() returns for an UPDATE, typed only as Result
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
            .values(used_at=utcnow())
        ),
    ).rowcount
    if not spent:
        raise TokenInvalid("This link has already been used.")
    return row
