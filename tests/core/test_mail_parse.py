"""The parser survives awkward input and refuses only what is not an email."""

from __future__ import annotations

import pytest

from civicshield.core.mail import (
    ERROR_EMPTY,
    ERROR_NOT_EMAIL,
    ERROR_TOO_LARGE,
    MAX_MESSAGE_BYTES,
    MailParseError,
    analyse,
    parse,
)

from .mail_helpers import FIXTURES, make_mail

AWKWARD = sorted(
    p
    for folder in ("broken-mime", "charset", "truncated")
    for p in (FIXTURES / folder).glob("*.eml")
)


@pytest.mark.parametrize("path", AWKWARD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_awkward_messages_still_get_a_verdict(path):
    verdict = analyse(path.read_bytes())
    assert verdict.verdict in ("phishing", "suspicious", "clean")
    assert 0.0 <= verdict.score <= 1.0


def test_a_broken_boundary_keeps_the_body_and_its_links():
    mail = parse((FIXTURES / "broken-mime" / "boundary-mismatch.eml").read_bytes())
    assert mail.defects > 0
    assert any(link.host == "192.168.10.20" for link in mail.links)


def test_unknown_and_wrong_charsets_decode_with_replacement():
    mail = parse((FIXTURES / "charset" / "unknown-charset.eml").read_bytes())
    assert "cr" in mail.text and mail.from_address == "cafe@example.org"
    mail = parse((FIXTURES / "charset" / "latin1-declared-utf8.eml").read_bytes())
    assert "attached" in mail.text


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("empty/empty.eml", ERROR_EMPTY),
        ("not-email/image.png.eml", ERROR_NOT_EMAIL),
        ("not-email/plain-text.eml", ERROR_NOT_EMAIL),
    ],
)
def test_it_refuses_what_is_not_an_email(path, error):
    with pytest.raises(MailParseError) as caught:
        parse((FIXTURES / path).read_bytes())
    assert str(caught.value) == error


def test_it_refuses_enormous_messages_without_parsing_them():
    huge = make_mail() + b"x" * (MAX_MESSAGE_BYTES + 1)
    with pytest.raises(MailParseError) as caught:
        parse(huge)
    assert str(caught.value) == ERROR_TOO_LARGE


def test_it_reads_addresses_links_and_attachments():
    raw = make_mail(
        name="Pay Pal, Support",
        address="help@example.net",
        subject="=?utf-8?q?Caf=C3=A9?=",
        text="Plain https://example.org/a",
        html='<p>Hi</p><a href="https://evil.example/x">www.paypal.com</a>',
        headers={"Reply-To": "other@example.com", "X-Spam-Status": "Yes, score=20"},
        attachments=[("a.pdf", "application/pdf", b"%PDF")],
    )
    mail = parse(raw)
    assert mail.from_address == "help@example.net"
    assert mail.reply_to == ("other@example.com",)
    assert ("https://evil.example/x", "www.paypal.com") in {(k.url, k.text) for k in mail.links}
    assert "https://example.org/a" in {link.url for link in mail.links}
    assert [a.filename for a in mail.attachments] == ["a.pdf"]


def test_spam_filter_headers_are_removed_before_analysis():
    raw = make_mail(headers={"X-Spam-Flag": "YES", "X-Spam-Status": "Yes"})
    assert not any(name.startswith("x-spam") for name in parse(raw).header_names)


def test_display_names_with_bare_commas_keep_their_address():
    raw = b"From: Microsoft account team ,_<no-reply@access.example>\r\nSubject: x\r\n\r\nhi\r\n"
    mail = parse(raw)
    assert mail.from_address == "no-reply@access.example"
    assert mail.from_name.startswith("Microsoft account team")
