"""The text detectors: each kind found where it is, and quiet where it is not."""

from __future__ import annotations

import dataclasses

import pytest

from civicshield.core.findings import Severity
from civicshield.core.privacy import ERROR_UNKNOWN_REGION, PrivacyFinding, scan_text
from civicshield.core.privacy.detectors import REGISTRY


def kinds(text: str, **kwargs) -> list[str]:
    return [finding.kind for finding in scan_text(text, **kwargs)]


def only(text: str, kind: str, **kwargs) -> PrivacyFinding:
    found = [f for f in scan_text(text, **kwargs) if f.kind == kind]
    assert len(found) == 1, found
    return found[0]


def test_a_finding_is_frozen_and_turns_into_plain_data():
    finding = only("Call 07700 900123", "phone")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "email"  # type: ignore[misc]
    assert finding.to_dict() == {
        "kind": "phone",
        "span": [5, 17],
        "detail": finding.detail,
        "severity": "high",
    }


def test_every_detector_is_registered():
    assert list(REGISTRY) == [
        "phone",
        "email",
        "postcode",
        "address",
        "vehicle",
        "private_person",
        "whereabouts",
    ]


# --- phone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "severity"),
    [
        ("Text me on 07700 900123 tonight", "07700 900123", Severity.HIGH),
        ("My mobile: 07911123456.", "07911123456", Severity.HIGH),
        ("Ring +44 7911 123456 any time", "+44 7911 123456", Severity.HIGH),
        ("Home phone 020 7946 0123", "020 7946 0123", Severity.MEDIUM),
        ("Call (01632) 960 001", "(01632) 960 001", Severity.MEDIUM),
        ("In the US call +1 202 555 0143", "+1 202 555 0143", Severity.MEDIUM),
        ("Helpline 0800 123 4567", "0800 123 4567", Severity.LOW),
    ],
)
def test_it_finds_phone_numbers_with_their_span(text, number, severity):
    finding = only(text, "phone")
    assert text[finding.span[0] : finding.span[1]] == number
    assert finding.severity == severity
    assert number in finding.detail


def test_the_phone_detail_says_what_to_do():
    detail = only("Call 07700 900123", "phone").detail
    assert detail == (
        "This looks like a mobile phone number (07700 900123). Posting it lets anyone call or "
        "text it; remove it unless it is the office's public number."
    )


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 I won with a majority of 14,207 votes, up from 9,876 in 2019.",
        "Turnout was 67.3% across 120000 households in 2023-2024.",
        "Case ref 020123456789 has been passed to the council.",
        "Budget of £1,250,000,000 for 2025/26",
        "Order no. 07700900123 is on its way",
        "Meeting 10:00-12:30 on 12/05/2025",
    ],
)
def test_years_counts_and_references_are_not_phone_numbers(text):
    assert "phone" not in kinds(text)


def test_the_region_decides_numbers_without_a_country_code():
    assert "phone" in kinds("call 0612345678", region="NL")


def test_an_unknown_region_is_refused():
    with pytest.raises(ValueError, match=ERROR_UNKNOWN_REGION):
        scan_text("call 07700 900123", region="XX")


# --- email ---------------------------------------------------------------------------


def test_it_finds_an_email_address():
    text = "Write to jane.doe+mp@gmail.com, thanks"
    finding = only(text, "email")
    assert text[finding.span[0] : finding.span[1]] == "jane.doe+mp@gmail.com"
    assert finding.severity == Severity.MEDIUM


def test_a_shared_inbox_is_low_severity():
    assert only("Email office@example.org.uk.", "email").severity == Severity.LOW


@pytest.mark.parametrize("text", ["Follow @janedoe for news", "See you @ 7", "Score 3@4"])
def test_handles_and_at_signs_are_not_emails(text):
    assert "email" not in kinds(text)


# --- postcode ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("Deliver to SW1A 1AA please", "SW1A 1AA"),
        ("We're in M1 1AE", "M1 1AE"),
        ("lives near b33 8th", "b33 8th"),
        ("Code: EC1A1BB.", "EC1A1BB"),
    ],
)
def test_it_finds_full_postcodes(text, postcode):
    finding = only(text, "postcode")
    assert text[finding.span[0] : finding.span[1]] == postcode


@pytest.mark.parametrize(
    "text",
    [
        "Great news for the SW1A area",
        "The M25 was closed",
        "Covid19 cases are down",
        "Vote 4 change in 2024",
        "ab12cd is my password",
    ],
)
def test_districts_and_lookalikes_are_not_postcodes(text):
    assert "postcode" not in kinds(text)


# --- address -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("The party is at 14 Acacia Avenue on Saturday", "14 Acacia Avenue"),
        ("Send it to Flat 3, 27 Hill View Road.", "Flat 3, 27 Hill View Road"),
        ("Post to 221 Old Kent Rd", "221 Old Kent Rd"),
    ],
)
def test_it_finds_street_addresses(text, address):
    finding = only(text, "address")
    assert text[finding.span[0] : finding.span[1]] == address
    assert finding.severity == Severity.HIGH


def test_it_finds_where_someone_lives():
    assert "address" in kinds("My mum lives on Birch Grove, just round the corner")


@pytest.mark.parametrize(
    "text",
    [
        "Meeting the PM at 10 Downing Street today",
        "We won 3 seats across the road from the station",
        "5 Green councillors were elected",
        "It costs £12 Street parties need a licence",
    ],
)
def test_public_addresses_and_counts_are_not_addresses(text):
    assert "address" not in kinds(text)


# --- vehicle -------------------------------------------------------------------------


def test_it_finds_a_current_number_plate():
    text = "My car is AB12 CDE, a silver Golf"
    finding = only(text, "vehicle")
    assert text[finding.span[0] : finding.span[1]] == "AB12 CDE"


def test_an_old_style_plate_needs_a_car_word_nearby():
    assert "vehicle" in kinds("A van, reg P123 ABC, was parked outside")
    assert "vehicle" not in kinds("Flight A123 BCD leaves at noon")


@pytest.mark.parametrize("text", ["COVID19 NHS", "The EU27 SUMMIT", "AB12CD", "ab12 cde"])
def test_lookalikes_are_not_plates(text):
    assert "vehicle" not in kinds(text)


# --- live location and routine -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Heading to the school gates now",
        "I'm at Anytown station right now, trains are delayed",
        "On my way to the Co-op on High St",
        "Just arrived at Hillside Leisure Centre for a swim",
        "📍 Anytown Library",
        "At the school gates now, nearly missed pick up!",
        "Stuck in traffic on the A1 near Anytown, running late",
        "Heading over to the allotments now",
        "Just parked up at the retail park, doing the weekly shop",
        "Out canvassing in Northfield ward right now, knock knock!",
        "We're outside Tesco Extra until 2pm, come and say hi",
    ],
)
def test_it_finds_a_live_location(text):
    finding = only(text, "live_location")
    assert finding.severity == Severity.HIGH
    assert "after" in finding.detail


def test_a_plan_with_a_place_and_a_time_is_a_live_location():
    text = "I'll be at the Co-op on High St at 9 tomorrow."
    finding = only(text, "live_location")
    assert finding.severity == Severity.MEDIUM
    assert (
        text[finding.span[0] : finding.span[1]] == "I'll be at the Co-op on High St at 9 tomorrow"
    )
    assert "after the event" in finding.detail


@pytest.mark.parametrize(
    "text",
    [
        "At the Co-op on High St every Saturday at 9, come and say hello",
        "I go for my morning run along the canal every day at 6am.",
        "My advice surgery is on Fridays at Anytown Library from 10am.",
        "You'll usually find me at the Red Lion at 8pm",
    ],
)
def test_it_finds_a_routine(text):
    finding = only(text, "routine")
    assert finding.severity == Severity.HIGH
    assert "regular" in finding.detail


def test_the_routine_span_covers_the_place_and_the_time():
    text = "Find me at the Co-op on High St every Saturday at 9. Bye!"
    finding = only(text, "routine")
    assert text[finding.span[0] : finding.span[1]] == "at the Co-op on High St every Saturday at 9"


@pytest.mark.parametrize(
    "text",
    [
        "Great to visit Hillside School today and meet the brilliant pupils.",
        "Thanks to everyone at the Co-op for having me yesterday.",
        "We now have a new library in Anytown.",
        "I'm in the Chamber now for the debate on the Bill.",
        "I'm on the side of residents in Anytown, always.",
        "Every child in Anytown deserves a great school.",
        "Every day I work for the people of Anytown.",
        "Public meeting at the Town Hall on Friday at 7pm.",
        "I'll be on BBC Radio Anytown at 8am tomorrow.",
        "I'll be voting against this in Parliament tomorrow.",
        "Last Saturday we were at the Co-op on High St. Thank you all!",
        "Two judges are now sitting on the Supreme Court.",
        "We are on Top. All of America is on Top now.",
        "Have fun running to Lower Rear Backwoods!",
        "We live on Beech Grove now, so much quieter",
        "Collect your posters from 8 Windsor Gardens",
        "Looking forward to the Anytown Show next summer",
    ],
)
def test_past_events_public_places_and_broadcasts_are_fine(text):
    found = kinds(text)
    assert "live_location" not in found
    assert "routine" not in found


def test_a_time_at_a_private_address_is_a_live_location():
    finding = only("Come round to 14 Acacia Avenue on Sunday for the garden party", "live_location")
    assert finding.severity == Severity.MEDIUM
    assert "live_location" in kinds("Family BBQ this weekend at ours - AN8 3SW - bring a chair!")


def test_a_habit_is_a_routine_not_a_live_location():
    found = kinds("Every Wednesday evening I'm at the Dog & Gun quiz")
    assert found == ["routine"]
    assert kinds("Every weekend we take the dog to Anytown Woods") == ["routine"]


def test_an_address_counts_as_a_place():
    found = kinds("Heading to 14 Acacia Avenue now")
    assert "address" in found and "live_location" in found


def test_findings_come_in_text_order_and_empty_text_has_none():
    text = "Email jo@gmail.com or call 07700 900123 at SW1A 1AA"
    spans = [finding.span for finding in scan_text(text)]
    assert spans == sorted(spans)
    assert scan_text("") == ()
    assert scan_text("Lovely weather in Anytown") == ()
