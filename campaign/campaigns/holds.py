"""Holding signatures that come too fast from one address, as the UK petitions site does:
the signer sees the usual page, but the signature is only stored (not counted, no email)
until a coordinator looks at the address and releases or discards what it sent (see
signing.release_held and signing.discard_held). Holding
rather than refusing keeps a real crowd behind one network signing, and tells a script
nothing about where the limit is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from campaign.campaigns.models import Campaign, Signature
from campaign.core import throttle
from campaign.extensions import db


def should_hold(address: str | None) -> bool:
    """Count one signature from address; True once it is beyond SIGN_LIMIT_PER_MINUTE or
    SIGN_LIMIT_PER_HOUR, unless the address is in SIGN_LIMIT_ALLOW."""
    if not address or _allowed(address):
        return False
    config = current_app.config
    within = True
    for limit, per in (
        (config["SIGN_LIMIT_PER_MINUTE"], "minute"),
        (config["SIGN_LIMIT_PER_HOUR"], "hour"),
    ):
        if limit > 0:
            # Both windows count every signature, so neither can be dodged by the other.
            within = throttle.allow(f"{limit}/{per}", f"sign-{per}", address) and within
    return not within


def _allowed(address: str) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in current_app.config["SIGN_LIMIT_ALLOW"])


@dataclass(frozen=True)
class HeldAddress:
    """What one address sent that is being held."""

    address: str
    signatures: int
    campaigns: list[str]
    first: datetime
    last: datetime


def held_addresses(address: str | None = None) -> list[HeldAddress]:
    """Addresses with held signatures, the busiest first (or only address, when given)."""
    held: list[ColumnElement[bool]] = [Signature.held_at.is_not(None)]
    if address is not None:
        held.append(Signature.held_address == address)
    rows = db.session.execute(
        select(
            Signature.held_address,
            func.count(),
            func.min(Signature.held_at),
            func.max(Signature.held_at),
        )
        .where(*held)
        .group_by(Signature.held_address)
        .order_by(func.count().desc())
    ).all()
    # Signing holds only a signature whose address it knows (see should_hold), and every
    # group has held_at not null: no address or time below is None.
    titles: dict[str, set[str]] = {}
    for found, title in db.session.execute(
        select(Signature.held_address, Campaign.title)
        .join(Campaign, Campaign.id == Signature.campaign_id)
        .where(*held)
        .distinct()
    ):
        assert found is not None
        titles.setdefault(found, set()).add(title)
    addresses = []
    for found, n, first, last in rows:
        assert found is not None and first is not None and last is not None
        addresses.append(HeldAddress(found, n, sorted(titles.get(found, ())), first, last))
    return addresses


def held_by_campaign() -> dict[int, int]:
    """How many signatures each campaign has on hold."""
    return dict(
        db.session.execute(
            select(Signature.campaign_id, func.count())
            .where(Signature.held_at.is_not(None))
            .group_by(Signature.campaign_id)
        ).all()
    )
