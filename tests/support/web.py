"""What a person does in the pages, for tests: sign in, post a form, sign a petition,
follow an emailed link."""

from __future__ import annotations

import re

from campaign.extensions import db
from campaign.partners.models import PartnerApplication
from tests.conftest import csrf_token
from tests.support.factories import PASSWORD
from tests.support.smtp import text_part

LINK = re.compile(r"http://chorus\.test(/\S+)")


def link_in(message) -> str:
    return LINK.search(text_part(message)).group(1)


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(
        url,
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
    )


def post(client, path, page, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def sign(client, campaign, **fields):
    url = f"/campaigns/{campaign.slug}"
    data = {
        "csrf_token": csrf_token(client, url),
        "full_name": "Ann Lee",
        "email": "ann@example.org",
        "postal_code": "20005",
        "comment": "",
    }
    data.update(fields)
    return client.post(f"{url}/sign", data=data)


APPLICATION = {
    "organization_name": "Families for Recovery",
    "website": "https://www.families.example.org/",
    "description": "Peer support for families of people living with serious mental illness.",
    "focus_areas": ["family-support", "serious-mental-illness"],
    "states_served": ["OH", "PA"],
    "constituency_size": "1k-10k",
    "contact_name": "Dana Whitaker",
    "contact_title": "Executive Director",
    "contact_email": "dana@families.example.org",
    "agree": "y",
}


def an_application(**changes) -> PartnerApplication:
    fields = {k: v for k, v in APPLICATION.items() if k != "agree"} | changes
    application = PartnerApplication(
        **fields,
        website_key=fields["website"],
        contact_email_key=fields["contact_email"],
        statement_version="2026-11",
        agreed_at=db.func.now(),
    )
    db.session.add(application)
    db.session.commit()
    return application
