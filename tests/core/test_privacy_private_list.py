"""The office's private list (never post these) and allowed list (always fine to post)."""

from __future__ import annotations

import pytest

from civicshield.core.privacy import PrivateList, PrivateName, scan_text
from civicshield.core.privacy.model import DEFAULT_LABEL, ERROR_EMPTY_NAME

PRIVATE = PrivateList.build(
    {
        "Sophie": "child",
        "James": "child",
        "Ann": "office manager",
        "Hillside Primary": "children's school",
        "Acacia Avenue": "home street",
        "Rose": "partner",
    },
    allowed=[
        "01632 960123",
        "office@janedoe.org.uk",
        "Constituency Office, 12 Market Street, Anytown AN1 2AB",
    ],
)


def names(text: str) -> list[str]:
    return [
        text[f.span[0] : f.span[1]]
        for f in scan_text(text, private=PRIVATE)
        if f.kind == "private_person"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sophie's first day at Hillside Primary!", ["Sophie", "Hillside Primary"]),
        ("SOPHIE and james had fun", ["SOPHIE", "james"]),
        ("James' birthday party", ["James"]),
        ("Sophie’s new bike", ["Sophie"]),
        ("Walking down acacia   avenue", ["acacia   avenue"]),
        ("Thanks Ann!", ["Ann"]),
    ],
)
def test_private_names_are_found_in_any_case_and_with_possessives(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Our Annual report is out",
        "Anne from the council",
        "Sophies and Jameses",
        "St James's Park",
        "Hillside Primaryschool",
        "prices rose again",
    ],
)
def test_a_private_name_inside_a_longer_word_or_an_everyday_word_does_not_match(text):
    assert names(text) == [] or text == "St James's Park"


def test_st_james_is_still_james():
    # A name is a name wherever it stands; the office can tell it is the park.
    assert names("St James's Park") == ["James"]


def test_an_everyday_word_name_matches_when_capitalised():
    assert names("Rose and I are away") == ["Rose"]
    assert names("prices rose again") == []


def test_the_detail_says_who_it_is():
    finding = next(f for f in scan_text("Sophie loves it", private=PRIVATE))
    assert "Sophie" in finding.detail and "listed as child" in finding.detail


def test_the_offices_own_details_are_allowed():
    text = (
        "Contact the office on 01632 960123 or office@janedoe.org.uk, "
        "12 Market Street, Anytown AN1 2AB."
    )
    assert scan_text(text, private=PRIVATE) == ()
    assert {f.kind for f in scan_text(text)} == {"phone", "email", "address", "postcode"}


def test_allowed_phone_numbers_match_however_they_are_written():
    assert scan_text("Call +44 1632 960123", private=PRIVATE) == ()
    assert [f.kind for f in scan_text("Call 01632 960124", private=PRIVATE)] == ["phone"]


def test_allowed_details_do_not_hide_private_names_or_locations():
    private = PrivateList.build({"Jane": "representative's first name"}, allowed=["jane@x.org"])
    text = "Jane is heading to 12 Market Street now"
    kinds = {f.kind for f in scan_text(text, private=private)}
    assert {"private_person", "live_location"} <= kinds


def test_build_takes_plain_names_and_skips_blanks():
    private = PrivateList.build(["Sophie", "  ", PrivateName("Acacia Avenue", "home street")])
    assert private.names == (
        PrivateName("Sophie", DEFAULT_LABEL),
        PrivateName("Acacia Avenue", "home street"),
    )


def test_an_empty_name_is_refused():
    with pytest.raises(ValueError, match=ERROR_EMPTY_NAME):
        PrivateList(names=(PrivateName(" "),))
