"""A partner's public profile: description, focus, states, website and logo."""

from __future__ import annotations

from campaign.accounts.models import Account
from campaign.core import audit
from campaign.core.audit import Actor
from campaign.extensions import db
from campaign.partners import logos
from campaign.partners.membership import approved_partner_of
from campaign.partners.models import (
    Partner,
)


def update_profile(
    actor: Actor, account: Account, mission: str, website: str, logo: bytes | None
) -> Partner:
    """The admin's own organization: mission, website and, if given, a new logo. A refused
    logo leaves the old one in place and changes nothing else either."""
    partner = approved_partner_of(account)
    prepared = logos.prepare_logo(logo) if logo is not None else None
    partner.mission = mission.strip()
    partner.website = website.strip()
    if prepared is not None:
        partner.logo = prepared
        partner.logo_version = (partner.logo_version or 0) + 1
    audit.record(actor, "partner.profile", "partner", partner.id, logo=prepared is not None)
    db.session.commit()
    return partner
