"""QR codes in an email's pictures are read like links ("quishing").

The QR codes are made here with zxing-cpp's own writer, so each test knows what the picture
says; the development corpus has no QR-code phishing to test against.
"""

from __future__ import annotations

import base64
import io

import numpy
import zxingcpp
from PIL import Image

from civicshield.core.mail import analyse, parse
from civicshield.core.mail.attachment_links import attachment_links
from civicshield.core.mail.qr_codes import MAX_IMAGES, qr_links

from .mail_helpers import OFFICE, make_mail

PHISHING_PAGE = "https://m365-renew-access.pages.dev/mfa?u=office"


def qr_picture(text: str, *, scale: int = 4, canvas: tuple[int, int] | None = None) -> Image.Image:
    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode), scale=scale
    )
    picture = Image.fromarray(numpy.array(code))
    if canvas:
        # The code on a large white picture, as on a letter.
        big = Image.new("L", canvas, 255)
        big.paste(picture, (200, 300))
        picture = big
    return picture


def qr_png(text: str, *, scale: int = 4, canvas: tuple[int, int] | None = None) -> bytes:
    out = io.BytesIO()
    qr_picture(text, scale=scale, canvas=canvas).save(out, "PNG")
    return out.getvalue()


def qr_pdf(*pages: str) -> bytes:
    """A PDF of A4 pages at 150 dpi, each with the QR code of one text ("" = a blank page)."""
    pictures = [
        qr_picture(text, canvas=(1240, 1754)) if text else Image.new("L", (1240, 1754), 255)
        for text in pages
    ]
    out = io.BytesIO()
    pictures[0].save(out, "PDF", resolution=150, save_all=True, append_images=pictures[1:])
    return out.getvalue()


def quishing_mail(picture: bytes) -> bytes:
    return make_mail(
        name="Microsoft 365",
        address="noreply@m365-security-notice.com",
        subject="Action required: renew your two-factor sign-in",
        text="Your sign-in will stop working today. Scan the code with your phone to keep access.\n",
        attachments=[("code.png", "image/png", picture)],
    )


def test_a_qr_code_link_to_a_sign_in_page_makes_the_email_phishing():
    result = analyse(quishing_mail(qr_png(PHISHING_PAGE)), trusted=OFFICE)
    assert result.verdict == "phishing"
    assert "qr_code.link" in result.features
    # The address in the code goes through the link checks like any other link.
    assert "risky_link.free_hosting" in result.features
    detail = next(f.detail for f in result.findings if f.check == "qr_code")
    assert "m365-renew-access.pages.dev" in detail
    assert "Do not scan it" in detail


def test_the_same_email_without_the_code_is_judged_on_its_words_alone():
    plain = make_mail(
        name="Microsoft 365",
        address="noreply@m365-security-notice.com",
        subject="Action required: renew your two-factor sign-in",
        text="Your sign-in will stop working today. Scan the code with your phone to keep access.\n",
    )
    assert "qr_code.link" not in analyse(plain, trusted=OFFICE).features


def test_a_qr_code_inside_the_html_as_a_data_address_is_read():
    encoded = base64.b64encode(qr_png(PHISHING_PAGE)).decode()
    raw = make_mail(html=f'<p>Scan to continue</p><img src="data:image/png;base64,{encoded}">')
    links = qr_links(parse(raw))
    assert [link.url for link in links] == [PHISHING_PAGE]
    assert links[0].in_qr_code and links[0].host == "m365-renew-access.pages.dev"


def test_a_code_that_is_not_a_web_address_is_not_a_link():
    raw = make_mail(
        subject="Your ticket for the hustings",
        attachments=[("ticket.png", "image/png", qr_png("TICKET 2026-0412 ROW C SEAT 14"))],
    )
    result = analyse(raw, trusted=OFFICE)
    assert "qr_code.link" not in result.features
    assert result.verdict == "clean"


def test_a_qr_code_alone_is_suspicious_not_phishing():
    raw = make_mail(
        name="Camden Food Bank",
        address="events@camdenfoodbank.org.uk",
        subject="Our winter appeal",
        text="Thank you for your support this year.\n",
        attachments=[("appeal.png", "image/png", qr_png("https://camdenfoodbank.org.uk/winter"))],
    )
    result = analyse(raw, trusted=OFFICE)
    assert result.features == ("qr_code.link",)
    assert result.verdict == "suspicious"


def test_damaged_and_oversized_pictures_are_skipped_without_an_error():
    damaged = qr_png(PHISHING_PAGE)[:200]
    oversized = qr_png(PHISHING_PAGE, canvas=(4500, 4000))  # 18 megapixels
    for picture in (damaged, oversized, b"not a picture at all"):
        raw = make_mail(attachments=[("code.png", "image/png", picture)])
        assert qr_links(parse(raw)) == ()
        assert analyse(raw).verdict == "clean"


def test_only_the_first_pictures_are_read():
    fillers = [(f"f{i}.png", "image/png", qr_png(f"filler {i}")) for i in range(MAX_IMAGES)]
    raw = make_mail(attachments=[*fillers, ("late.png", "image/png", qr_png(PHISHING_PAGE))])
    assert qr_links(parse(raw)) == ()
    early = make_mail(attachments=[("code.png", "image/png", qr_png(PHISHING_PAGE)), *fillers])
    assert [link.url for link in qr_links(parse(early))] == [PHISHING_PAGE]


def test_a_qr_code_on_an_attached_pdf_letter_is_read():
    raw = make_mail(attachments=[("letter.pdf", "application/pdf", qr_pdf(PHISHING_PAGE))])
    assert [link.url for link in attachment_links(parse(raw))] == [PHISHING_PAGE]


def test_only_the_first_pages_of_a_pdf_are_read():
    late = make_mail(attachments=[("l.pdf", "application/pdf", qr_pdf("", "", PHISHING_PAGE))])
    assert attachment_links(parse(late)) == ()
    second = make_mail(attachments=[("l.pdf", "application/pdf", qr_pdf("", PHISHING_PAGE))])
    assert [link.url for link in attachment_links(parse(second))] == [PHISHING_PAGE]


def test_a_damaged_pdf_is_skipped_without_an_error():
    whole = qr_pdf(PHISHING_PAGE)
    for data in (whole[: len(whole) // 3], b"%PDF-1.7\nnot really a pdf"):
        raw = make_mail(attachments=[("letter.pdf", "application/pdf", data)])
        assert attachment_links(parse(raw)) == ()
        assert analyse(raw).verdict == "clean"


def test_a_qr_code_from_the_office_own_contacts_is_not_a_finding():
    raw = make_mail(
        name="Sarah Jones",
        address="sarah.jones@parliament.uk",
        subject="Flyer for Saturday's surgery",
        attachments=[("flyer.png", "image/png", qr_png("https://www.parliament.uk/surgery"))],
    )
    assert "qr_code.link" not in analyse(raw, trusted=OFFICE).features


def test_a_qr_code_through_a_redirect_is_followed_and_stays_a_qr_link():
    redirect = "https://www.google.com/url?q=" + PHISHING_PAGE.replace(":", "%3A").replace(
        "/", "%2F"
    )
    raw = make_mail(attachments=[("code.png", "image/png", qr_png(redirect))])
    links = attachment_links(parse(raw))
    assert [(link.url, link.in_qr_code) for link in links] == [(PHISHING_PAGE, True)]
