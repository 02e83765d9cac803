import pytest

from campaign.campaigns.services import short_name


@pytest.mark.parametrize(
    ("full", "short"),
    [("Ann Marie Lee", "Ann L."), ("Ann Lee", "Ann L."), ("Cher", "Cher"), ("  ", "")],
)
def test_public_names_are_first_name_and_initial(full, short):
    assert short_name(full) == short
