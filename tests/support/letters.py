"""Joint letters in a given state, for tests."""

from __future__ import annotations

from datetime import timedelta

from campaign.accounts.models import Role
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.letters.models import CoSignature, JointLetter, LetterStatus, LetterVersion
from campaign.partners.models import Partner
from tests.support.factories import AccountFactory, PartnerFactory, TargetFactory


def open_letter(campaign=None, targets=None) -> JointLetter:
    """An open letter with one version, to two named targets unless others are given."""
    targets = targets or [
        TargetFactory(name="Sen. Maria Delgado", email="delgado@senate.example.gov", state="CA"),
        TargetFactory(name="Rep. Jordan Ellis", email="ellis@house.example.gov", state="TX"),
    ]
    letter = JointLetter(
        slug="fund-research",
        title="Fund research",
        status=LetterStatus.OPEN,
        deadline=utcnow() + timedelta(days=5),
        targets=targets,
        campaign_id=campaign.id if campaign else None,
        opened_at=utcnow(),
    )
    letter.versions.append(LetterVersion(number=1, body="Dear decision maker,\n\n**Fund it.**"))
    db.session.add(letter)
    db.session.commit()
    return letter


def co_signed_by(letter: JointLetter, name: str, admin_email: str) -> None:
    """A partner whose admin is admin_email has co-signed the letter's first version."""
    partner = PartnerFactory(name=name, website="https://hope.example.org")
    AccountFactory(email=admin_email, role=Role.PARTNER_ADMIN, partner_id=partner.id)
    co_signed_as(letter, partner)


def co_signed_as(letter: JointLetter, partner: Partner) -> None:
    """The partner has co-signed the letter's first version."""
    db.session.add(
        CoSignature(
            letter_id=letter.id,
            partner_id=partner.id,
            version=1,
            signatory_name="Ana Ruiz",
            signatory_title="Director",
            authorized=True,
        )
    )
    db.session.commit()
