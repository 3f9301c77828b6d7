"""Whatever bytes arrive, analyse() gives a verdict or a MailParseError, never anything else."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicshield.core.mail import MailParseError, analyse
from civicshield.core.mail.parse import html_to_text

from .mail_helpers import FIXTURES, make_mail

SEED_MESSAGE = make_mail(
    name="Sarah Jones",
    address="sarah.jones@parliament-uk.co",
    text="Verify your account: https://bit.ly/x",
    html='<a href="http://10.0.0.1/">https://www.parliament.uk</a><input type="password">',
    attachments=[("a.pdf.exe", "application/octet-stream", b"MZ")],
)


def _verdict_or_parse_error(raw: bytes) -> None:
    try:
        verdict = analyse(raw)
    except MailParseError:
        return
    assert verdict.verdict in ("phishing", "suspicious", "clean")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes(raw):
    _verdict_or_parse_error(raw)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_damaged_copies_of_a_real_message(seed):
    generator = random.Random(seed)
    data = bytearray(SEED_MESSAGE)
    for _ in range(generator.randint(1, 40)):
        data[generator.randrange(len(data))] = generator.randrange(256)
    cut = generator.randint(1, len(data))
    _verdict_or_parse_error(bytes(data[:cut]))


def test_every_fixture_is_handled():
    for path in sorted(FIXTURES.rglob("*.eml")):
        _verdict_or_parse_error(path.read_bytes())


def test_hostile_markup_is_read_without_choking():
    # Thousands of unclosed tags once made the tag patterns scan to the end for each one.
    markup = "<!-- " * 20_000 + "<a href=x " * 20_000 + "<" * 20_000
    assert html_to_text("<p>visible</p>" + markup) == "visible"
    raw = make_mail(html="<p>hello</p>" + "<a href='http://x.example'>t " * 20_000)
    _verdict_or_parse_error(raw)
