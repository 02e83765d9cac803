"""Every refusal is a Refused carrying the message for the person; one that no view catches
is shown on the error page with its status, never as a 500."""

import pytest

from campaign import create_app
from campaign.accounts.services import AccountRefused, InvitationVoid
from campaign.accounts.tokens import TokenInvalid
from campaign.campaigns.authoring import CampaignRefused
from campaign.campaigns.signing import CampaignNotOpen
from campaign.core.addresses import InvalidEmail
from campaign.core.errors import NotFound, Refused
from campaign.deliveries.engine import DeliveryRefused
from campaign.letters.drafting import LetterRefused
from campaign.partners.applications import ApplicationRefused
from campaign.partners.logos import LogoRefused
from campaign.partners.membership import NoSuchMember, PartnerRefused
from campaign.targets.editing import TargetRefused
from campaign.targets.imports import ImportRefused


@pytest.mark.parametrize(
    "kind",
    [
        AccountRefused,
        InvitationVoid,
        TokenInvalid,
        CampaignNotOpen,
        CampaignRefused,
        InvalidEmail,
        DeliveryRefused,
        LetterRefused,
        ApplicationRefused,
        LogoRefused,
        PartnerRefused,
        NoSuchMember,
        TargetRefused,
        ImportRefused,
    ],
)
def test_every_refusal_is_a_refused_with_its_message(kind):
    refusal = kind("The reason, for the person.")
    assert isinstance(refusal, Refused)
    assert str(refusal) == "The reason, for the person."
    assert refusal.status in (400, 404, 409)


def test_a_member_of_another_organization_is_not_found():
    assert NoSuchMember("x").status == NotFound.status == 404


@pytest.mark.parametrize(("refusal", "status"), [(LetterRefused, 409), (NoSuchMember, 404)])
def test_a_refusal_no_view_caught_is_shown_with_its_status(refusal, status):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": False})

    @app.get("/refuse")
    def refuse():  # type: ignore[no-untyped-def]
        raise refusal("This letter is already delivered.")

    response = app.test_client().get("/refuse")
    assert response.status_code == status
    assert "This letter is already delivered." in response.get_data(as_text=True)
