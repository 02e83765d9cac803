"""Email checks and the normalizer that decides what counts as the same signer."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.core.addresses import InvalidEmail, check_email, normalize_email

local_parts = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)
domains = st.sampled_from(["example.org", "gmail.com", "googlemail.com", "Mind.ORG"])


@given(local_parts, domains)
def test_normalizing_twice_changes_nothing(local, domain):
    once = normalize_email(f"{local}@{domain}")
    assert normalize_email(once) == once


@given(local_parts, domains, st.booleans())
def test_case_and_surrounding_space_do_not_count(local, domain, upper):
    address = f"{local}@{domain}"
    variant = f"  {address.upper() if upper else address.title()}\t"
    assert normalize_email(variant) == normalize_email(address)


@given(local_parts, local_parts, st.sampled_from(["gmail.com", "googlemail.com", "GMail.com"]))
def test_gmail_dots_and_tags_do_not_count(local, tag, domain):
    dotted = ".".join(local)
    assert normalize_email(f"{dotted}+{tag}@{domain}") == f"{local}@gmail.com"


@given(local_parts, local_parts)
def test_other_domains_keep_dots_and_tags(local, tag):
    assert normalize_email(f"a.{local}+{tag}@example.org") == f"a.{local}+{tag}@example.org"


def test_distinct_people_stay_distinct():
    assert normalize_email("ann@example.org") != normalize_email("anne@example.org")


@pytest.mark.parametrize(
    "bad", ["", "ann", "ann@", "@example.org", "ann@@example.org", "ann@example", "a b@example.org"]
)
def test_check_email_refuses_malformed_addresses(bad):
    with pytest.raises(InvalidEmail):
        check_email(bad)


def test_check_email_lowercases_the_domain_without_dns():
    assert check_email(" Ann@Example.ORG ") == "Ann@example.org"


def test_international_domains_are_sent_to_in_ascii_form():
    assert check_email("ann@bücher.example") == "ann@xn--bcher-kva.example"


def test_non_ascii_mailbox_names_are_refused():
    with pytest.raises(InvalidEmail):
        check_email("jösé@example.org")
