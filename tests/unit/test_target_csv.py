"""Checking a CSV of targets: every problem found, nothing trusted."""

import pytest

from campaign.targets.imports import ImportRefused, check, decode

HEADER = "name,title,office,email,state,district\n"


def test_a_good_file_gives_one_row_per_email():
    checked = check(
        HEADER + "Sen. A,Chair,U.S. Senate,A@Senate.gov,ca,\n"
        "Rep. B,Member,U.S. House,b@house.gov,TX,TX-21\n"
    )
    assert checked.problems == []
    assert checked.rows["a@senate.gov"]["state"] == "CA"
    assert checked.rows["b@house.gov"]["district"] == "TX-21"


def test_repeated_addresses_are_merged_and_the_last_row_wins():
    checked = check(HEADER + "Old,T,O,a@x.gov,,\nNew,T,O,A@X.GOV,,\n")
    assert checked.merged == 1 and checked.rows["a@x.gov"]["name"] == "New"


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    checked = check("email,office,title,name\na@x.gov,Office,Title,Name\n")
    assert checked.problems == [] and checked.rows["a@x.gov"]["state"] is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,title,email\n", "Missing: office."),
        ("name,title,office,email,phone\n", "Not recognised: phone."),
        ("name,name,title,office,email\n", "The columns must be"),
    ],
)
def test_wrong_columns_are_named(header, message):
    checked = check(header + "x\n")
    assert len(checked.problems) == 1 and message in checked.problems[0]["message"]
    assert checked.rows == {}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Name,T,O,not-an-email,,", "is not valid"),
        (",T,O,a@x.gov,,", "The name is missing."),
        ("Name,T,O,a@x.gov,ZZ,", "is not a US state"),
        ("Name,T,O,a@x.gov", "Expected 6 values, found 4."),
        ("N" * 201 + ",T,O,a@x.gov,,", "longer than 200"),
    ],
)
def test_each_bad_row_is_reported_with_its_line(line, message):
    checked = check(HEADER + "Good,T,O,good@x.gov,,\n" + line + "\n")
    assert checked.problems[0]["line"] == 3 and message in checked.problems[0]["message"]


def test_problems_are_capped_but_say_there_are_more():
    checked = check(HEADER + "".join(f"N,T,O,bad{i},,\n" for i in range(500)))
    assert len(checked.problems) == 200
    assert "more problems" in checked.problems[-1]["message"]


def test_files_that_are_not_utf8_are_refused_with_advice():
    with pytest.raises(ImportRefused, match="CSV UTF-8"):
        decode("name,title,office,email\nJosé,T,O,j@x.gov\n".encode("cp1252"))
    assert decode(b"\xef\xbb\xbfname").startswith("name")  # a byte-order mark is fine


def test_an_empty_file_is_a_problem():
    assert check("").problems[0]["message"] == "The file is empty."


def test_numeric_state_codes_are_not_taken_for_states():
    checked = check(HEADER + "N,T,O,a@x.gov,06,\n")
    assert "not a US state" in checked.problems[0]["message"]


def test_text_full_of_nul_bytes_is_not_utf8():
    with pytest.raises(ImportRefused, match="CSV UTF-8"):
        decode("name,title".encode("utf-16-le"))
