from __future__ import annotations

import datetime as dt

import pytest

from civicshield.web.habits import bio

NINE, HALF_FIVE = dt.time(9, 0), dt.time(17, 30)
WEEKDAYS = [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([0, 1, 2, 3, 4], "Mon–Fri"),
        (list(range(7)), "every day"),
        ([0, 2, 4], "Mon, Wed, Fri"),
        ([5, 6], "Sat, Sun"),
        ([0, 1, 2, 4], "Mon–Wed, Fri"),
    ],
)
def test_days_read_naturally(days, expected):
    assert bio.format_days(days) == expected


def test_times_are_uk_style():
    assert bio.format_time(NINE) == "9am"
    assert bio.format_time(HALF_FIVE) == "5.30pm"
    assert bio.format_time(dt.time(12, 0)) == "12pm"


@pytest.mark.parametrize("platform", list(bio.BIO_LIMITS))
def test_every_bio_line_fits_its_platform_and_names_the_hours(platform):
    contact = "casework@morgan-mp.example.org.uk"
    lines = bio.bio_lines(start=NINE, end=HALF_FIVE, days=WEEKDAYS, contact=contact)
    line = lines[platform]
    assert len(line) <= bio.BIO_LIMITS[platform]
    assert "Mon–Fri 9am–5.30pm" in line


def test_the_roomiest_platform_gets_the_full_sentence():
    line = bio.bio_line(start=NINE, end=HALF_FIVE, days=WEEKDAYS, contact="a@b.example", limit=500)
    assert "in an emergency call 999" in line
    assert "a@b.example" in line


def test_a_tight_limit_drops_to_the_shortest_wording():
    line = bio.bio_line(start=NINE, end=HALF_FIVE, days=WEEKDAYS, limit=30)
    assert line == "Read Mon–Fri 9am–5.30pm."
    assert bio.bio_line(start=NINE, end=HALF_FIVE, days=WEEKDAYS, limit=10) == ""


def test_the_documented_limits():
    assert bio.BIO_LIMITS == {
        "x": 160,
        "mastodon": 500,
        "bluesky": 256,
        "instagram": 150,
        "facebook": 101,
    }
