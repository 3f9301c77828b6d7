"""Links hidden in attached PDFs and calendar invitations are checked like body links.

The PDFs are made here with WeasyPrint (a project dependency), so each test knows where the
document's button and written addresses go.
"""

from __future__ import annotations

from PIL import ImageFile

from civicshield.core.mail import analyse, parse
from civicshield.core.mail.attachment_links import attachment_links

from .mail_helpers import OFFICE, make_mail

LURE = "https://secure-docs-view.web.app/open?id=7731"


def pdf(body_html: str) -> bytes:
    # Importing WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES; put it back so
    # that no other test runs with it (the web app does the same, see evidence/packs.py).
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint

        html = weasyprint.HTML(string=f"<html><body>{body_html}</body></html>")
        return html.write_pdf()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def with_pdf(data: bytes, **fields) -> bytes:
    return make_mail(attachments=[("Document.pdf", "application/pdf", data)], **fields)


def test_a_pdf_button_link_is_checked():
    raw = with_pdf(
        pdf(f'<h1>Secure document</h1><p><a href="{LURE}">View document</a></p>'),
        name="Accounts",
        address="accounts@invoices-portal.example.com",
        subject="Invoice 4471 awaiting your approval",
        text="Please review the attached document and confirm your details.\n",
    )
    assert [link.url for link in attachment_links(parse(raw))] == [LURE]
    result = analyse(raw, trusted=OFFICE)
    assert "risky_link.free_hosting" in result.features
    assert result.verdict != "clean"


def test_an_address_written_on_a_pdf_page_is_checked():
    raw = with_pdf(
        pdf("<p>To keep your access, go to https://mailbox-renew.pages.dev/now today.</p>")
    )
    assert [link.host for link in attachment_links(parse(raw))] == ["mailbox-renew.pages.dev"]


def test_a_gateway_rewritten_link_in_a_pdf_is_followed():
    wrapped = "https://clicktime.symantec.com/3a?u=https%3A%2F%2Fsecure-docs-view.web.app%2Fopen"
    raw = with_pdf(pdf(f'<a href="{wrapped}">Open</a>'))
    assert [link.host for link in attachment_links(parse(raw))] == ["secure-docs-view.web.app"]


def test_an_ordinary_pdf_letter_adds_nothing_to_worry_about():
    raw = with_pdf(
        pdf(
            '<p>Dear Member, the committee meets on Tuesday. <a href="https://www.gov.uk/">GOV.UK</a></p>'
        ),
        name="Priya Shah",
        address="priya.shah@camden.gov.uk",
        subject="Committee papers",
    )
    assert [link.host for link in attachment_links(parse(raw))] == ["www.gov.uk"]
    assert analyse(raw, trusted=OFFICE).verdict == "clean"


def test_damaged_pdfs_add_no_links_and_no_error():
    whole = pdf(f'<a href="{LURE}">View</a>')
    for data in (whole[: len(whole) // 2], b"%PDF-1.7\n%broken", b""):
        raw = with_pdf(data)
        assert attachment_links(parse(raw)) == ()
        analyse(raw)


def test_a_link_in_a_calendar_invitation_is_checked():
    invite = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Payroll update - action needed\r\n"
        b"DESCRIPTION:Confirm your salary details before Friday: https://payroll-upda\r\n"
        b" te.web.app/confirm?u=office\\, thank you.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = make_mail(attachments=[("invite.ics", "text/calendar", invite)])
    links = attachment_links(parse(raw))
    assert [link.url for link in links] == ["https://payroll-update.web.app/confirm?u=office"]
    assert "risky_link.free_hosting" in analyse(raw, trusted=OFFICE).features
