"""Demo data for a first look at Chorus: campaigns, targets, partners, endorsements and a
coordinator. Running it twice changes nothing."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, text

from campaign.accounts.models import Account, Role
from campaign.accounts.services import account_by_email, create_coordinator, hash_password
from campaign.campaigns.authoring import first_version
from campaign.campaigns.models import Campaign, CampaignStatus, Signature
from campaign.contacts import services as contacts
from campaign.core.audit import SYSTEM
from campaign.core.db import utcnow
from campaign.extensions import db
from campaign.partners.models import Endorsement, Partner, PartnerStatus
from campaign.targets.models import Target

DEMO_COORDINATOR = "coordinator@chorus.example.org"

TARGETS = [
    (
        "Sen. Maria Delgado",
        "Chair, Subcommittee on Labor, Health and Human Services",
        "U.S. Senate",
        "NM",
        None,
        "delgado.office@senate.example.gov",
    ),
    (
        "Rep. Thomas Whitfield",
        "Ranking Member, Appropriations Committee",
        "U.S. House of Representatives",
        "OH",
        "OH-12",
        "whitfield.office@house.example.gov",
    ),
    (
        "Dr. Alicia Grant",
        "Director",
        "National Institute of Mental Health",
        None,
        None,
        "director@nimh.example.gov",
    ),
    (
        "Rep. Jordan Ellis",
        "Member, Veterans' Affairs Committee",
        "U.S. House of Representatives",
        "TX",
        "TX-21",
        "ellis.office@house.example.gov",
    ),
]

CAMPAIGNS = [
    {
        "slug": "double-mental-health-research",
        "title": "Double federal funding for mental illness research",
        "summary": "One in five adults lives with a mental illness, yet research into causes "
        "and cures receives a sliver of federal health research dollars.",
        "ask": "We call on Congress to double the National Institute of Mental Health's budget "
        "over five years, with dedicated funding for research into recovery, resilience, and "
        "the prevention and cure of serious mental illnesses.",
        "rationale": "The Mental Health Commission recommended more research **to promote "
        "recovery and resilience, and ultimately to cure and prevent mental illnesses**. "
        "Two decades on, that promise is unkept.\n\n"
        "- Mental and substance use disorders are a leading cause of disability nationwide.\n"
        "- Research spending per affected person is a fraction of that for cancer or heart "
        "disease.\n"
        "- Every major treatment advance of the past thirty years began as publicly funded "
        "basic research.\n\n"
        "Doubling the budget over five years lets institutes plan long studies instead of "
        "year-to-year grants.",
        "goal": 25000,
        "status": CampaignStatus.OPEN,
        "targets": [0, 1, 2],
    },
    {
        "slug": "youth-early-intervention-trials",
        "title": "Fund early-intervention trials for young people",
        "summary": "Most mental illnesses begin before age 25. Research into early "
        "intervention can change the course of a life.",
        "ask": "We ask the National Institute of Mental Health to launch a national network of "
        "clinical trials on early intervention for young people experiencing a first episode "
        "of psychosis, depression or an eating disorder.",
        "rationale": "Half of all lifetime mental illnesses start by age 14 and three quarters "
        "by age 24. Coordinated specialty care trials have shown that **early, team-based "
        "treatment** improves school, work and family outcomes.\n\n"
        "A standing trials network would let findings reach clinics in years, not decades.",
        "goal": 10000,
        "status": CampaignStatus.OPEN,
        "targets": [2],
    },
    {
        "slug": "veterans-suicide-prevention-research",
        "title": "Invest in suicide prevention research for veterans",
        "summary": "Veterans die by suicide at a higher rate than other adults. We need "
        "research into what prevents it.",
        "ask": "We urge the House Veterans' Affairs Committee to fund a ten-year research "
        "programme on suicide prevention for veterans, with results shared openly.",
        "rationale": "Prevention works best when it is built on evidence. Studies of safety "
        "planning and follow-up contact after crisis care are promising, but too small to "
        "guide national practice.",
        "goal": 5000,
        "status": CampaignStatus.OPEN,
        "targets": [3, 1],
    },
    {
        "slug": "parity-enforcement-study",
        "title": "Study how insurance parity is enforced",
        "summary": "A completed campaign asking for an independent study of parity enforcement.",
        "ask": "We asked Congress to commission an independent study of how mental health "
        "parity law is enforced across states.",
        "rationale": "The study was commissioned in the last appropriations bill. Thank you to "
        "everyone who signed.",
        "goal": 2000,
        "status": CampaignStatus.CLOSED,
        "targets": [0],
    },
]

PARTNERS = [
    (
        "families-for-mental-health",
        "Families for Mental Health",
        "https://families.example.org",
        "Support and education for families of people living with mental illness.",
        "OH",
        "We see every day what better treatment would mean for families.",
        ["family-support", "serious-mental-illness"],
    ),
    (
        "youth-mind-alliance",
        "Youth Mind Alliance",
        "https://youthmind.example.org",
        "Young people leading on mental health in schools and colleges.",
        "CA",
        "Research that starts young changes lives.",
        ["youth", "anxiety", "depression"],
    ),
    (
        "veterans-wellbeing-network",
        "Veterans Wellbeing Network",
        "https://vwn.example.org",
        "Peer support and advocacy for veterans and their families.",
        "TX",
        "",
        ["veterans", "suicide-prevention"],
    ),
]
DEMO_PARTNER_ADMIN = "admin@families.example.org"


def seed_demo() -> str | None:
    """Create what is missing. Returns the password of the new demo coordinator and partner
    admin, or None if they existed."""
    targets = [_target(*row) for row in TARGETS]
    campaigns = [_campaign(spec, targets) for spec in CAMPAIGNS]
    for campaign in campaigns:
        _signatures(campaign, SIGNATURES.get(campaign.slug, 0))
    contacts.contacts_from_signatures()  # a third of them asked for updates: an audience
    for slug, name, website, mission, state, statement, focus in PARTNERS:
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        if partner is None:
            partner = Partner(
                slug=slug,
                name=name,
                website=website,
                mission=mission,
                state=state,
                status=PartnerStatus.APPROVED,
                focus_areas=focus,
                states_served=[state],
                referral_code=secrets.token_urlsafe(6),
            )
            db.session.add(partner)
            db.session.flush()
            db.session.add(
                Endorsement(partner_id=partner.id, campaign_id=campaigns[0].id, statement=statement)
            )
    db.session.commit()
    if db.session.scalar(select(Account.id).where(Account.email == DEMO_COORDINATOR)):
        return None
    password = secrets.token_urlsafe(12)
    create_coordinator(DEMO_COORDINATOR, password, name="Demo Coordinator")
    families = db.session.scalar(select(Partner).where(Partner.slug == PARTNERS[0][0]))
    if families is not None and account_by_email(DEMO_PARTNER_ADMIN) is None:
        db.session.add(
            Account(
                email=DEMO_PARTNER_ADMIN,
                name="Demo Partner Admin",
                password_hash=hash_password(password),
                role=Role.PARTNER_ADMIN,
                partner_id=families.id,
            )
        )
        db.session.commit()
    return password


# Confirmed signatures per demo campaign: one past half its goal, one past its goal.
SIGNATURES = {
    "double-mental-health-research": 3140,
    "youth-early-intervention-trials": 5420,
    "veterans-suicide-prevention-research": 640,
    "parity-enforcement-study": 2150,
}
PLACES = [
    ("43004", "OH"),
    ("19104", "PA"),
    ("94110", "CA"),
    ("10027", "NY"),
    ("78701", "TX"),
    ("60614", "IL"),
    ("30309", "GA"),
    ("98103", "WA"),
    ("80203", "CO"),
    ("02139", "MA"),
    ("55414", "MN"),
    ("87501", "NM"),
]
COMMENTS = [
    (
        "Maria Gonzalez",
        "maria.gonzalez@demo.example.org",
        "94110",
        "CA",
        "My brother waited four years for a diagnosis. Research would have shortened that.",
    ),
    (
        "James Whitfield",
        "james.whitfield@demo.example.org",
        "43004",
        "OH",
        "I am a veteran. Too many of my friends are not here to sign this.",
    ),
    (
        "Priya Natarajan",
        "priya.natarajan@demo.example.org",
        "10027",
        "NY",
        "As a nurse I see what early treatment can do. Fund the trials.",
    ),
    (
        "Tom Becker",
        "tom.becker@demo.example.org",
        "55414",
        "MN",
        "For my daughter, who is doing well today because someone studied what works.",
    ),
]
# The rows of a demo campaign's signatures, made in the database in one statement.
_BULK = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count),
places(k, zip, state) AS (VALUES {places})
INSERT INTO signatures (campaign_id, full_name, email, email_normalized, postal_code, state,
  comment, consent_updates, show_publicly, comment_shown, confirmed_at, created_at,
  campaign_version)
SELECT :campaign_id, 'Supporter ' || i, 'supporter' || i || '@demo.example.org',
  'supporter' || i || '@demo.example.org', zip, state, '', i % 3 = 0, false, false,
  {when}, {when}, 1
FROM n JOIN places ON places.k = i % {kinds}
"""
# Spread over the past six weeks.
_WHEN = {
    "postgresql": "now() - make_interval(days => i % 42, mins => (i * 7) % 1440)",
    "sqlite": "datetime('now', '-' || (i % 42) || ' days', '-' || ((i * 7) % 1440) || ' minutes')",
}


def _signatures(campaign: Campaign, count: int) -> None:
    """Give a demo campaign its confirmed signers, once: a few with comments shown, the rest
    made in bulk; its count and milestones are then as if it had grown to them."""
    if count == 0 or db.session.scalar(
        select(Signature.id).where(Signature.campaign_id == campaign.id).limit(1)
    ):
        return
    dialect = db.engine.dialect.name
    places = ", ".join(
        f"({k}, '{zip_code}', '{state}')" for k, (zip_code, state) in enumerate(PLACES)
    )
    db.session.execute(
        text(
            _BULK.format(places=places, when=_WHEN.get(dialect, _WHEN["sqlite"]), kinds=len(PLACES))
        ),
        {"count": count - len(COMMENTS), "campaign_id": campaign.id},
    )
    for name, email, zip_code, state, comment in COMMENTS:
        db.session.add(
            Signature(
                campaign_id=campaign.id,
                full_name=name,
                email=email,
                email_normalized=email,
                postal_code=zip_code,
                state=state,
                comment=comment,
                show_publicly=True,
                may_show_comment=True,
                comment_shown=True,
                confirmed_at=utcnow(),
                campaign_version=1,
            )
        )
    db.session.flush()
    confirmed = (
        db.session.scalar(
            select(func.count()).select_from(Signature).where(Signature.campaign_id == campaign.id)
        )
        or 0
    )
    campaign.confirmed_count = confirmed
    campaign.counted_at = utcnow()
    campaign.milestone_reached = confirmed  # told already: no emails for the demo


def _target(name, title, office, state, district, email) -> Target:
    target = db.session.scalar(select(Target).where(Target.email == email))
    if target is None:
        target = Target(
            name=name, title=title, office=office, state=state, district=district, email=email
        )
        db.session.add(target)
    return target


def _campaign(spec: dict, targets: list[Target]) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == spec["slug"]))
    if campaign is None:
        fields = {k: v for k, v in spec.items() if k != "targets"}
        campaign = Campaign(**fields, targets=[targets[i] for i in spec["targets"]])
        if campaign.status != CampaignStatus.DRAFT:
            campaign.opened_at = utcnow()
            campaign.versions.append(first_version(campaign, SYSTEM))
        db.session.add(campaign)
        db.session.flush()
    return campaign
