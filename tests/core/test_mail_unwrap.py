"""Links rewritten by mail gateways or passed through well-known redirectors are checked where
they really go."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicshield.core.mail import analyse, parse
from civicshield.core.mail.unwrap import MAX_DEPTH, embedded_destination, unwrap

from .mail_helpers import OFFICE, make_mail

LURE = "https://m365-mailbox-verify.pages.dev/login"


def safe_link(url: str) -> str:
    """As Microsoft Defender for Office 365 rewrites a link."""
    return (
        "https://eur02.safelinks.protection.outlook.com/?url="
        + urllib.parse.quote(url, safe="")
        + "&data=05%7C02%7Coffice%40parliament.uk%7C8f1&sdata=Zm9v&reserved=0"
    )


@pytest.mark.parametrize(
    ("wrapped", "destination"),
    [
        (safe_link(LURE), LURE),
        (
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__files.example.org_manual_page-5F"
            "usrp.html-23e320&d=DwMFaQ&c=abc",
            "https://files.example.org/manual/page_usrp.html#e320",
        ),
        (
            # Proofpoint v3: each "*" is a removed character, given back in base64 after "__;".
            "https://urldefense.com/v3/__https://storage.example.com/o/owa*2Findex.html?a=1*me"
            "@example.org__;JSM!!Fjc1LPEtn8I!xyz$",
            "https://storage.example.com/o/owa%2Findex.html?a=1#me@example.org",
        ),
        (
            "https://www.google.com/url?q=https%3A%2F%2Fevil.example%2Fa&sa=D",
            "https://evil.example/a",
        ),
        ("https://google.com/amp/s/tether.li/campaign", "https://tether.li/campaign"),
        ("https://www.google.co.uk/amp/revision-online.info/x1", "http://revision-online.info/x1"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0",
            "https://evil.example/",
        ),
        (
            "https://www.bing.com/ck/a?!&&p=8cc&u=a1"
            + base64.urlsafe_b64encode(b"https://evil.example/p").decode().rstrip("=")
            + "&ntb=1",
            "https://evil.example/p",
        ),
        (
            "https://clicktime.symantec.com/39e8T?u=http%3A%2F%2Fwww.example.com%2F",
            "http://www.example.com/",
        ),
        # A gateway wrapping a redirector: both layers are followed.
        (safe_link("https://www.google.com/url?q=" + urllib.parse.quote(LURE)), LURE),
    ],
)
def test_rewritten_and_redirected_links_are_followed(wrapped, destination):
    assert unwrap(wrapped) == destination


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/search?q=hello",
        "https://www.gov.uk/council-tax",
        "https://eur02.safelinks.protection.outlook.com/?data=no-url-here",
        "https://urldefense.com/v3/without-the-wrapped-address",
        "not a url at all",
    ],
)
def test_other_links_are_not_unwrapped(url):
    assert unwrap(url) is None


def test_unwrapping_stops_after_a_few_layers():
    url = LURE
    for _ in range(MAX_DEPTH + 2):
        url = safe_link(url)
    # Still a Safe Links address after MAX_DEPTH layers: not followed to the end, and no error.
    result = unwrap(url)
    assert result is not None and result != LURE


def test_a_lure_behind_safe_links_meets_the_link_checks():
    raw = make_mail(
        text="Your mailbox is full.\n",
        html=f'<p>Your mailbox is full. <a href="{safe_link(LURE)}">Review storage</a></p>',
    )
    mail = parse(raw)
    assert [link.host for link in mail.links if link.text == "Review storage"] == [
        "m365-mailbox-verify.pages.dev"
    ]
    assert "risky_link.free_hosting" in analyse(raw, trusted=OFFICE).features


def test_safe_links_rewriting_of_a_shown_address_is_not_a_deceptive_link():
    shown = "https://www.gov.uk/council-tax"
    raw = make_mail(html=f'<p>See <a href="{safe_link(shown)}">{shown}</a></p>')
    result = analyse(raw, trusted=OFFICE)
    assert "deceptive_link.mismatch" not in result.features
    assert result.verdict == "clean"


def test_a_web_address_carried_by_any_link_is_checked_beside_it():
    url = "https://tracker.example.com/go.php?u=https://m365-login.web.app/?id=5"
    assert embedded_destination(url) == "https://m365-login.web.app/?id=5"
    raw = make_mail(html=f'<a href="{url}">Open</a>')
    hosts = [link.host for link in parse(raw).links]
    assert hosts == ["tracker.example.com", "m365-login.web.app"]
    assert "risky_link.free_hosting" in analyse(raw, trusted=OFFICE).features


# Properties: any text is safe to unwrap, and a Safe Links or Google wrapping of any web address
# gives that address back exactly.

_PATH = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@given(st.text(max_size=300))
def test_unwrapping_any_text_never_fails(text):
    for candidate in (
        text,
        "https://eur02.safelinks.protection.outlook.com/?url=" + text,
        "https://urldefense.com/v3/__" + text,
        "https://www.bing.com/ck/a?u=a1" + text,
    ):
        result = unwrap(candidate)
        assert result is None or result.lower().startswith(("http://", "https://"))
        embedded_destination(candidate)


@given(st.from_regex(r"[a-z0-9-]{1,20}\.(com|org|co\.uk|dev)", fullmatch=True), _PATH)
def test_safe_links_and_google_give_back_any_address(host, path):
    url = f"https://{host}/" + urllib.parse.quote(path, safe="/?=&")
    assert unwrap(safe_link(url)) == url
    assert unwrap("https://www.google.com/url?q=" + urllib.parse.quote(url, safe="")) == url
