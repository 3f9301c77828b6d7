"""Lookalike domains and display names."""

from __future__ import annotations

import pytest

from civicshield.core.lookalike import (
    WELL_KNOWN_DOMAINS,
    LookalikeKind,
    display_name_match,
    is_ip_address,
    lookalike_of,
    normalise_domain,
    registered_domain,
    skeleton,
    strip_invisible,
)

KNOWN = WELL_KNOWN_DOMAINS | {"parliament.uk", "camden.gov.uk", "brightstart-charity.org.uk"}


@pytest.mark.parametrize(
    ("domain", "looks_like", "kind"),
    [
        ("parliament-uk.co", "parliament.uk", LookalikeKind.FLATTENED),
        ("parliamentuk.com", "parliament.uk", LookalikeKind.FLATTENED),
        ("parliament.uk.secure-login.com", "parliament.uk", LookalikeKind.SUBDOMAIN),
        ("www.paypal.com.account-check.ru", "paypal.com", LookalikeKind.SUBDOMAIN),
        ("paypal.com-secure.net", "paypal.com", LookalikeKind.SUBDOMAIN),
        ("parliment.uk", "parliament.uk", LookalikeKind.TYPO),
        ("parlaiment.uk", "parliament.uk", LookalikeKind.TYPO),
        ("parliamennt.uk", "parliament.uk", LookalikeKind.TYPO),
        ("brightstart-charlty.org.uk", "brightstart-charity.org.uk", LookalikeKind.TYPO),
        ("parliament.co", "parliament.uk", LookalikeKind.TLD_SWAP),
        ("paypa1.com", "paypal.com", LookalikeKind.HOMOGLYPH),
        ("rnicrosoft.com", "microsoft.com", LookalikeKind.HOMOGLYPH),
        ("paypal-security.com", "paypal.com", LookalikeKind.EXTRA_WORDS),
        ("hmrc-refunds.net", "hmrc.gov.uk", LookalikeKind.EXTRA_WORDS),
        ("govuk.com", "gov.uk", LookalikeKind.FLATTENED),
    ],
)
def test_it_finds_lookalikes(domain, looks_like, kind):
    match = lookalike_of(domain, KNOWN)
    assert match is not None
    assert (match.looks_like, match.kind) == (looks_like, kind)
    assert looks_like in match.explanation


def test_it_decodes_punycode_homoglyphs():
    # "pаypal.com" with a Cyrillic а, as it travels in DNS.
    punycode = "pаypal.com".encode("idna").decode("ascii")
    assert punycode.startswith("xn--")
    match = lookalike_of(punycode, KNOWN)
    assert match is not None
    assert match.looks_like == "paypal.com"
    assert match.kind is LookalikeKind.MIXED_SCRIPT
    assert match.domain == "pаypal.com"


def test_it_reports_mixed_scripts_even_without_a_known_target():
    match = lookalike_of("exаmple-shop.com", KNOWN)  # Cyrillic а
    assert match is not None
    assert match.kind is LookalikeKind.MIXED_SCRIPT


@pytest.mark.parametrize(
    "domain",
    [
        "parliament.uk",
        "mail.parliament.uk",
        "camden.gov.uk",
        "democracy.camden.gov.uk",
        "office.com",  # Microsoft's own alternate domain
        "gmail.com",
        "amazon.co.uk",
        "example.org",
        "lists.sourceforge.net",
        "outlook.4team.biz",  # an everyday word as a subdomain is not an imitation
        "192.168.1.1",
        "",
    ],
)
def test_it_leaves_genuine_and_unrelated_domains_alone(domain):
    assert lookalike_of(domain, KNOWN) is None


def test_names_are_compared_without_invisible_characters_or_lookalike_letters():
    contacts = ["Sarah Jones", "Tom Patel"]
    assert display_name_match("Sarah\u200b Jones", contacts) == "Sarah Jones"
    assert display_name_match("Sarah\u200bJones", contacts) == "Sarah Jones"
    assert display_name_match("Sаrah Jones", contacts) == "Sarah Jones"  # Cyrillic а
    assert display_name_match("Jones, Sarah", contacts) == "Sarah Jones"
    assert display_name_match("SARAH JONES MP", contacts) == "Sarah Jones"
    assert display_name_match("\u202eTom Patel", contacts) == "Tom Patel"


def test_names_that_are_not_contacts_do_not_match():
    contacts = ["Sarah Jones"]
    assert display_name_match("Sarah", contacts) is None
    assert display_name_match("Sarah Johnson", contacts) is None
    assert display_name_match("", contacts) is None


def test_helpers():
    assert strip_invisible("a\u200bb\u00adc") == "abc"
    assert skeleton("PAYPA1") == "paypal"
    assert normalise_domain("XN--PYPAL-4VE.COM.") == "pаypal.com"
    assert registered_domain("parliament.uk.secure-login.com") == "secure-login.com"
    assert registered_domain("hmrc.gov.uk") == "hmrc.gov.uk"
    assert is_ip_address("10.0.0.1") and is_ip_address("[::1]") and not is_ip_address("cafe.com")


@pytest.mark.parametrize(
    ("decorated", "plain"),
    [("ҏaypal", "paypal"), ("ɗocusign", "docusign"), ("miсrosoft", "microsoft"), ("José", "jose")],
)
def test_letters_with_hooks_ticks_and_accents_read_as_the_letter_under_them(decorated, plain):
    assert skeleton(decorated) == plain
