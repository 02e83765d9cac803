import pytest

from campaign.core.places import state_for_zip, state_name


@pytest.mark.parametrize(
    ("zip_code", "state"),
    [
        ("20005", "DC"),
        ("10001", "NY"),
        ("90210", "CA"),
        ("60614-1234", "IL"),
        ("99501", "AK"),
        ("00601", "PR"),
        (" 73301 ", "TX"),
    ],
)
def test_zip_codes_map_to_their_state(zip_code, state):
    assert state_for_zip(zip_code) == state


@pytest.mark.parametrize("zip_code", ["00000", "abcde", "1234", "123456", "", "20005-12"])
def test_unknown_or_malformed_zip_codes_have_no_state(zip_code):
    assert state_for_zip(zip_code) is None


def test_state_names():
    assert state_name("CA") == "California"
    assert state_name(None) == ""
