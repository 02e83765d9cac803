"""Accounts and their passwords (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select

from campaign.extensions import db
from campaign.models import Account, Role
from campaign.services.emails import check_email

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 64 MiB, t=3, p=4),
# above OWASP's minimum.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the text says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


def create_coordinator(email: str, password: str, name: str = "") -> Account:
    """A coordinator account; refused for a bad email, a short password or a taken email."""
    email = check_email(email).lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(Account.id).where(Account.email == email)):
        raise AccountError(f"An account for {email} already exists.")
    account = Account(
        email=email, name=name, password_hash=hash_password(password), role=Role.COORDINATOR
    )
    db.session.add(account)
    db.session.commit()
    return account
