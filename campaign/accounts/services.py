"""Accounts: passwords (argon2id), sign-in, invitations, password resets, email changes."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts import tokens as account_tokens
from campaign.accounts.models import Account, AccountToken, Role, TokenPurpose
from campaign.core import audit, jobs, throttle
from campaign.core.addresses import check_email
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.core.errors import Refused
from campaign.core.links import external_url
from campaign.extensions import db
from campaign.mail import outbox
from campaign.partners.models import Partner, PartnerStatus

log = logging.getLogger(__name__)

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 64 MiB, t=3, p=4),
# above OWASP's minimum.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 12


class AccountRefused(Refused):
    """A request about an account that cannot be carried out; the text says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 1000:
        raise AccountRefused("The password must be at most 1,000 characters.")


def account_by_email(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(func.lower(Account.email) == email.lower()))


def create_coordinator(email: str, password: str, name: str = "") -> Account:
    """A coordinator account; refused for a bad email, a short password or a taken email."""
    email = check_email(email).lower()
    check_password(password)
    if account_by_email(email):
        raise AccountRefused(f"An account for {email} already exists.")
    account = Account(
        email=email, name=name, password_hash=hash_password(password), role=Role.COORDINATOR
    )
    db.session.add(account)
    db.session.commit()
    return account


def authenticate(email: str, password: str) -> Account | None:
    """The active account with this email and password, or None. Unknown emails and wrong
    passwords cost the same time and get the same answer."""
    account = account_by_email(email.strip())
    if account is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(account.password_hash, password) or not account.is_active:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_sign_in_at = utcnow()
    db.session.commit()
    return account


def invite(
    actor: Actor, email: str, role: Role, partner: Partner | None = None, name: str = ""
) -> None:
    """Email an invitation to set a password and join as role (for partner, if given). A
    closed account can be invited back; an active one cannot be invited again. In the
    caller's transaction: the caller commits."""
    email = check_email(email).lower()
    if (role == Role.COORDINATOR) == (partner is not None):
        raise AccountRefused("Coordinators belong to no partner; partner staff belong to one.")
    existing = account_by_email(email)
    if existing is not None and existing.is_active:
        raise AccountRefused(f"{email} already has an account.")
    token = account_tokens.issue(
        TokenPurpose.INVITATION,
        email,
        role=role,
        partner_id=partner.id if partner else None,
        created_by_id=actor.account_id,
    )
    audit.record(
        actor,
        "account.invite",
        "partner" if partner else "account",
        partner.id if partner else None,
        email=email,
        role=role.value,
    )
    outbox.queue_email(
        "invitation",
        email,
        {
            "name": name,
            "role": role.value,
            "partner_name": partner.name if partner else None,
            "accept_url": external_url("auth.accept_invitation", token=token),
        },
    )


def invite_coordinator(actor: Actor, email: str, name: str = "") -> None:
    """Invite another coordinator of the coalition."""
    invite(actor, email, Role.COORDINATOR, name=name)
    db.session.commit()


# However often it is asked for, one account gets at most this many reset emails.
RESET_EMAILS = "3/hour"


class InvitationVoid(account_tokens.TokenInvalid):
    """The invitation can no longer be accepted, whatever the invitee does."""


def check_invitation(invitation: AccountToken) -> None:
    """Refuse an invitation to a partner that is no longer approved (suspended since)."""
    if invitation.partner_id is None:
        return
    partner = db.session.get(Partner, invitation.partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        raise InvitationVoid(
            "This organization is not an approved partner right now, so its invitations "
            "cannot be accepted. Ask the coalition's coordinators."
        )


def accept_invitation(token: str, name: str, password: str, ip: str | None = None) -> Account:
    """Create the invited account (or reopen a closed one) with the chosen password; the
    link then stops working."""
    check_password(password)
    invitation = account_tokens.spend(TokenPurpose.INVITATION, token)
    try:
        check_invitation(invitation)
    except InvitationVoid:
        db.session.rollback()
        raise
    role = invitation.role
    if role is None:  # invite() gives every invitation a role; never guess one
        db.session.rollback()
        raise InvitationVoid(
            "This invitation cannot be accepted. Ask the coalition's coordinators."
        )
    account = account_by_email(invitation.email)
    if account is not None and account.is_active:
        db.session.rollback()
        raise AccountRefused("An account for this email already exists. Sign in instead.")
    if account is None:
        account = Account(email=invitation.email)
        db.session.add(account)
    account.name = name
    account.password_hash = hash_password(password)
    account.role = role
    account.partner_id = invitation.partner_id
    account.disabled_at = None
    account.session_version = (account.session_version or 0) + 1
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same invitee, accepting twice at once
        db.session.rollback()
        raise AccountRefused("An account for this email already exists. Sign in instead.") from exc
    audit.record(Actor(account.id, ip), "account.accept_invitation", "account", account.id)
    db.session.commit()
    return account


def end_sessions(account: Account) -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working."""
    account.session_version = (account.session_version or 0) + 1
    db.session.commit()


def _void_tokens(account_id: int) -> None:
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.account_id == account_id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def ask_for_password_reset(email: str) -> None:
    """Hand the request to a worker, so the page answers in the same time whether or not the
    address has an account (looking it up here would tell by the delay)."""
    from campaign.accounts.tasks import send_password_reset  # the task calls this module

    try:
        jobs.enqueue(send_password_reset, email.strip()[:254])
    except Exception:  # the person can ask again; nothing else depends on it
        log.exception("could not queue a password reset")


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an active account. Says nothing either way."""
    account = account_by_email(email.strip())
    if account is None or not account.is_active:
        return
    if not throttle.allow(RESET_EMAILS, "reset-email", account.email):
        log.info("password reset for account %s not sent: %s already", account.id, RESET_EMAILS)
        return
    token = account_tokens.issue(TokenPurpose.PASSWORD_RESET, account.email, account_id=account.id)
    outbox.queue_email(
        "password_reset",
        account.email,
        {"reset_url": external_url("auth.reset_password", token=token)},
    )
    db.session.commit()


def reset_password(token: str, password: str, ip: str | None = None) -> Account:
    """Set a new password; every other session and emailed link of the account stops working."""
    check_password(password)
    row = account_tokens.spend(TokenPurpose.PASSWORD_RESET, token)
    account = db.session.get(Account, row.account_id)
    if account is None or not account.is_active:
        db.session.rollback()
        raise account_tokens.TokenInvalid("This link no longer works.")
    account.password_hash = hash_password(password)
    account.session_version = (account.session_version or 0) + 1
    _void_tokens(account.id)
    audit.record(Actor(account.id, ip), "account.reset_password", "account", account.id)
    db.session.commit()
    return account


def request_email_change(account: Account, new_email: str, password: str) -> None:
    """Email a link to the new address; the change happens only once it is opened there."""
    if not verify_password(account.password_hash, password):
        raise AccountRefused("That password is not right.")
    new_email = check_email(new_email).lower()
    if account_by_email(new_email):
        raise AccountRefused("That email address already belongs to an account.")
    token = account_tokens.issue(TokenPurpose.EMAIL_CHANGE, new_email, account_id=account.id)
    outbox.queue_email(
        "email_change",
        new_email,
        {"confirm_url": external_url("auth.confirm_email_change", token=token)},
    )
    db.session.commit()


def confirm_email_change(token: str, ip: str | None = None) -> Account:
    """Move the account to the new address; its sessions and other links stop working."""
    row = account_tokens.spend(TokenPurpose.EMAIL_CHANGE, token)
    account = db.session.get(Account, row.account_id)
    if account is None or not account.is_active or account_by_email(row.email):
        db.session.rollback()
        raise account_tokens.TokenInvalid("This address can no longer be used for the account.")
    old = account.email
    account.email = row.email
    account.session_version = (account.session_version or 0) + 1
    _void_tokens(account.id)
    audit.record(
        Actor(account.id, ip), "account.change_email", "account", account.id, old=old, new=row.email
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # the address was taken a moment ago
        db.session.rollback()
        raise account_tokens.TokenInvalid("This address is already in use.") from exc
    return account


def void_invitations_from(account_id: int) -> None:
    """Invitations a removed member sent stop working (they could invite themselves back)."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.created_by_id == account_id,
            AccountToken.purpose == TokenPurpose.INVITATION,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


def admin_emails_by_partner(partner_ids: Iterable[int]) -> dict[int, list[str]]:
    """The active administrators' addresses of each partner, in one query."""
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(Account.partner_id, Account.email).where(
            Account.partner_id.in_(list(partner_ids)),
            Account.role == Role.PARTNER_ADMIN,
            Account.disabled_at.is_(None),
        )
    )
    for partner_id, email in rows:
        if partner_id is not None:  # the query asks for partners' accounts only
            found.setdefault(partner_id, []).append(email)
    return found


def admin_emails(partner_ids) -> list[str]:
    """Where to write to organizations: their active administrators' addresses."""
    return list(
        db.session.scalars(
            select(Account.email).where(
                Account.partner_id.in_(partner_ids),
                Account.role == Role.PARTNER_ADMIN,
                Account.disabled_at.is_(None),
            )
        )
    )
