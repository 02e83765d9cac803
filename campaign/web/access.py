"""Who may open a page: every console and portal view says so with one of these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required

from campaign.accounts.models import Account, Role
from campaign.core.audit import Actor


def coordinator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != Role.COORDINATOR:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def partner_required(admin: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Partner staff only (admins only when admin=True), of an approved partner."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @login_required
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            allowed = {Role.PARTNER_ADMIN} if admin else {Role.PARTNER_ADMIN, Role.PARTNER_MEMBER}
            if current_user.role not in allowed or current_user.partner_id is None:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def current_actor() -> Actor:
    account: Account = current_user._get_current_object()
    return Actor(account.id, request.remote_addr)
