"""A campaign's signers as coordinators see them: a searchable list with the counts, and the
choice of which comments the public page shows (the signer's choice to show their name
still applies there)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select

from campaign.campaigns.models import Signature
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.core.db import contains, locked
from campaign.core.errors import NotFound, Refused
from campaign.extensions import db

STATUSES = ("all", "confirmed", "unconfirmed", "held")


@dataclass(frozen=True)
class SignerCounts:
    confirmed: int
    unconfirmed: int
    held: int


def signer_counts(campaign_id: int) -> SignerCounts:
    confirmed, unconfirmed, held = db.session.execute(
        select(
            func.count(Signature.confirmed_at),
            func.count(case((Signature.confirmed_at.is_(None) & Signature.held_at.is_(None), 1))),
            func.count(Signature.held_at),
        ).where(Signature.campaign_id == campaign_id)
    ).one()
    return SignerCounts(confirmed, unconfirmed, held)


def signers(campaign_id: int, search: str = "", status: str = "all") -> Select:
    """The campaign's signatures, newest first, matching a name, email or ZIP."""
    query = (
        select(Signature)
        .where(Signature.campaign_id == campaign_id)
        .order_by(Signature.created_at.desc(), Signature.id.desc())
    )
    if status == "confirmed":
        query = query.where(Signature.confirmed_at.is_not(None))
    elif status == "unconfirmed":
        query = query.where(Signature.confirmed_at.is_(None), Signature.held_at.is_(None))
    elif status == "held":
        query = query.where(Signature.held_at.is_not(None))
    if search := search.strip()[:100]:
        query = query.where(
            or_(
                contains(Signature.full_name, search),
                contains(Signature.email, search),
                contains(Signature.postal_code, search),
            )
        )
    return query


def show_comment(actor: Actor, campaign_id: int, signature_id: int, shown: bool) -> Signature:
    """Show a signer's comment on the campaign page, or hide it again."""
    signature = locked(Signature, signature_id)
    if signature is None or signature.campaign_id != campaign_id:
        raise NotFound("There is no such signature on this campaign.")
    if shown and not signature.comment.strip():
        raise Refused("This signature has no comment to show.")
    if shown and signature.confirmed_at is None:
        raise Refused("Only a confirmed signature's comment can be shown.")
    if shown and not signature.may_show_comment:
        raise Refused(
            "This signer signed before the form said comments may be shown, so it stays private."
        )
    signature.comment_shown = shown
    audit.record(
        actor,
        "signature.comment_show" if shown else "signature.comment_hide",
        "signature",
        signature.id,
        campaign_id=campaign_id,
    )
    db.session.commit()
    return signature
