"""Typed SQLAlchemy models, one module per aggregate."""

from campaign.models.account import Account, Role
from campaign.models.application import ApplicationStatus, PartnerApplication
from campaign.models.audit import AuditEvent
from campaign.models.campaign import Campaign, CampaignStatus, PetitionDelivery
from campaign.models.letter import (
    CoSignature,
    JointLetter,
    LetterDelivery,
    LetterReminder,
    LetterStatus,
    LetterVersion,
    TargetResponse,
)
from campaign.models.outbox import EmailStatus, OutboundEmail, Stream
from campaign.models.partner import Endorsement, Partner, PartnerStatus
from campaign.models.signature import Signature
from campaign.models.target import ImportStatus, Target, TargetImport, TargetList
from campaign.models.token import AccountToken, TokenPurpose

__all__ = [
    "Account",
    "AccountToken",
    "ApplicationStatus",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "CoSignature",
    "EmailStatus",
    "Endorsement",
    "ImportStatus",
    "JointLetter",
    "LetterDelivery",
    "LetterReminder",
    "LetterStatus",
    "LetterVersion",
    "OutboundEmail",
    "Partner",
    "PartnerApplication",
    "PartnerStatus",
    "PetitionDelivery",
    "Role",
    "Signature",
    "Stream",
    "Target",
    "TargetImport",
    "TargetList",
    "TargetResponse",
    "TokenPurpose",
]
