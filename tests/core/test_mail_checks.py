"""Each mail check: a case it must catch and a look-alike case it must leave alone."""

from __future__ import annotations

import io
import zipfile

import pytest

from civicshield.core.mail import analyse, parse
from civicshield.core.mail.checks import CHECKS, CheckContext
from civicshield.core.mail.checks.authentication import AuthenticationCheck, read_results
from civicshield.core.mail.checks.credential_form import CredentialFormCheck
from civicshield.core.mail.checks.deceptive_link import DeceptiveLinkCheck
from civicshield.core.mail.checks.display_name import DisplayNameCheck
from civicshield.core.mail.checks.document_lure import DocumentLureCheck
from civicshield.core.mail.checks.hidden_text import HiddenTextCheck
from civicshield.core.mail.checks.lookalike_sender import LookalikeSenderCheck
from civicshield.core.mail.checks.pressure_language import PressureLanguageCheck
from civicshield.core.mail.checks.reply_mismatch import ReplyMismatchCheck
from civicshield.core.mail.checks.risky_attachment import RiskyAttachmentCheck, has_macros
from civicshield.core.mail.checks.risky_link import RiskyLinkCheck
from civicshield.core.mail.checks.sender_address import SenderAddressCheck

from .mail_helpers import OFFICE, make_mail

CONTEXT = CheckContext(trusted=OFFICE)


def features(check, raw, context=CONTEXT):
    return {hit.feature for hit in check.run(parse(raw), context)}


def details(check, raw, context=CONTEXT):
    return " ".join(hit.detail for hit in check.run(parse(raw), context))


def test_every_check_has_a_unique_name():
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names)) and all(names)


# display_name ------------------------------------------------------------------------------


def test_it_flags_a_trusted_contact_name_on_another_address():
    raw = make_mail(name="Sarah Jones", address="sarah.jones@parliament-uk.co")
    assert "display_name.trusted_contact" in features(DisplayNameCheck(), raw)
    text = details(DisplayNameCheck(), raw)
    assert "Sarah Jones" in text and "sarah.jones@parliament-uk.co" in text
    assert "phone" in text


def test_it_sees_through_invisible_characters_in_the_display_name():
    raw = make_mail(name="Sarah\u200b Jo\u200cnes", address="sarah.j.office@outlook.com")
    assert "display_name.trusted_contact" in features(DisplayNameCheck(), raw)


def test_a_contact_posting_through_a_mailing_list_is_only_a_medium_warning():
    raw = make_mail(
        name="Sarah Jones via Local Democracy",
        address="localdemocracy@lists.example.org",
        headers={"List-Id": "<localdemocracy.lists.example.org>"},
    )
    assert features(DisplayNameCheck(), raw) == {"display_name.trusted_contact_via_list"}
    # Without list headers the same name on that address is an impersonation.
    raw = make_mail(name="Sarah Jones via Local Democracy", address="x@lists.example.org")
    assert features(DisplayNameCheck(), raw) == {"display_name.trusted_contact"}


def test_the_contact_writing_from_their_own_address_is_not_flagged():
    raw = make_mail(name="Sarah Jones", address="sarah.jones@parliament.uk")
    assert features(DisplayNameCheck(), raw) == set()
    raw = make_mail(name="Emma Clarke", address="emma.clarke@gmail.com")
    assert features(DisplayNameCheck(), raw) == set()


def test_it_flags_a_brand_name_on_a_domain_the_brand_does_not_own():
    raw = make_mail(name="PayPal Service", address="service@intl-pay-help.xyz")
    assert "display_name.brand" in features(DisplayNameCheck(), raw)
    raw = make_mail(name="Pay.Pal.", address="m0n1ca@isp-q.com")
    assert "display_name.brand" in features(DisplayNameCheck(), raw)


def test_the_brand_on_its_own_domain_is_not_flagged():
    raw = make_mail(name="PayPal", address="service@paypal.co.uk")
    assert features(DisplayNameCheck(), raw) == set()


def test_it_flags_an_address_shown_in_the_display_name():
    raw = make_mail(name="support@barclays.co.uk", address="x@mailer.example.net")
    assert "display_name.shows_address" in features(DisplayNameCheck(), raw)
    raw = make_mail(name="alex@example.org", address="alex@example.org")
    assert "display_name.shows_address" not in features(DisplayNameCheck(), raw)


def test_it_flags_an_it_desk_outside_the_organisation_and_organisations_on_free_mail():
    raw = make_mail(name="IT Service Desk", address="helpdesk@mail-admin.example.net")
    assert "display_name.it_support" in features(DisplayNameCheck(), raw)
    raw = make_mail(name="Customer Billing Team", address="billing.team@gmail.com")
    assert "display_name.organisation_on_free_mail" in features(DisplayNameCheck(), raw)
    raw = make_mail(name="Anne Baker", address="anne.baker1962@gmail.com")
    assert features(DisplayNameCheck(), raw) == set()


# lookalike_sender --------------------------------------------------------------------------


def test_it_flags_a_sender_domain_imitating_an_own_domain():
    raw = make_mail(address="it@parliament.uk.secure-login.com")
    assert features(LookalikeSenderCheck(), raw) == {"lookalike_sender.trusted"}


def test_it_flags_a_sender_domain_imitating_a_well_known_one_and_reply_to_lookalikes():
    raw = make_mail(address="service@paypa1.com")
    assert features(LookalikeSenderCheck(), raw) == {"lookalike_sender.well_known"}
    raw = make_mail(address="a@example.org", headers={"Reply-To": "b@camden-gov.uk"})
    assert features(LookalikeSenderCheck(), raw) == {"lookalike_sender.trusted"}


def test_another_ending_of_a_contact_domain_is_only_a_medium_warning():
    office = OFFICE.with_domains(trusted=["bbc.co.uk"])
    raw = make_mail(address="news@bbc.com")
    context = CheckContext(trusted=office)
    assert features(LookalikeSenderCheck(), raw, context) == {"lookalike_sender.tld_swap"}
    raw = make_mail(address="sarah.jones@parliament.co")  # the office's own domain: strong
    assert features(LookalikeSenderCheck(), raw) == {"lookalike_sender.trusted"}


def test_genuine_sender_domains_are_not_lookalikes():
    for address in ("sarah.jones@parliament.uk", "x@camden.gov.uk", "a@example.org"):
        assert features(LookalikeSenderCheck(), make_mail(address=address)) == set()


# reply_mismatch ----------------------------------------------------------------------------


def test_it_flags_replies_going_elsewhere():
    raw = make_mail(address="ceo@company.example", headers={"Reply-To": "ceo.private@gmail.com"})
    assert "reply_mismatch.free_mail" in features(ReplyMismatchCheck(), raw)
    raw = make_mail(address="ceo@company.example", headers={"Reply-To": "x@other.example"})
    assert "reply_mismatch.reply_to" in features(ReplyMismatchCheck(), raw)
    raw = make_mail(address="news@company.example", headers={"Return-Path": "<b@bounce.example>"})
    assert features(ReplyMismatchCheck(), raw) == {"reply_mismatch.return_path"}


def test_same_organisation_and_mailing_lists_are_not_flagged():
    raw = make_mail(address="a@company.example", headers={"Reply-To": "b@mail.company.example"})
    assert features(ReplyMismatchCheck(), raw) == set()
    raw = make_mail(
        address="rob@hale.example",
        headers={"Reply-To": "list@lists.example", "List-Id": "<list.lists.example>"},
    )
    assert features(ReplyMismatchCheck(), raw) == set()


# authentication ----------------------------------------------------------------------------

FAIL = "mx.parliament.uk; spf=fail smtp.mailfrom=x; dkim=fail header.d=x; dmarc=fail header.from=x"
PASS = "mx.parliament.uk; spf=pass smtp.mailfrom=x; dkim=pass header.d=x; dmarc=pass header.from=x"


def test_it_reads_results_with_authres_and_without_a_server_name():
    assert read_results((FAIL,)) == {"spf": "fail", "dkim": "fail", "dmarc": "fail"}
    microsoft = "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=a.com; dkim=none;dmarc=fail"
    assert read_results((microsoft,)) == {"spf": "pass", "dkim": "none", "dmarc": "fail"}


def test_a_failure_is_only_a_weak_hint_but_strong_for_an_own_domain():
    raw = make_mail(address="a@example.org", headers={"Authentication-Results": FAIL})
    assert features(AuthenticationCheck(), raw) == {"authentication.fail"}
    raw = make_mail(address="sarah.jones@parliament.uk", headers={"Authentication-Results": FAIL})
    assert features(AuthenticationCheck(), raw) == {"authentication.trusted_domain_fail"}


def test_passing_or_missing_results_are_not_flagged():
    raw = make_mail(headers={"Authentication-Results": PASS})
    assert features(AuthenticationCheck(), raw) == set()
    assert features(AuthenticationCheck(), make_mail()) == set()


# deceptive_link ----------------------------------------------------------------------------


def test_it_flags_link_text_showing_another_address():
    html = '<a href="https://evil.example/login">https://www.parliament.uk/login</a>'
    raw = make_mail(html=html)
    assert features(DeceptiveLinkCheck(), raw) == {"deceptive_link.mismatch"}
    assert "www.parliament.uk" in details(DeceptiveLinkCheck(), raw)


def test_link_text_matching_its_target_or_plain_words_is_not_flagged():
    html = (
        '<a href="https://www.parliament.uk/business">www.parliament.uk/business</a>'
        '<a href="https://evil.example/x">Click here</a>'
    )
    assert features(DeceptiveLinkCheck(), make_mail(html=html)) == set()


# risky_link --------------------------------------------------------------------------------


def test_it_flags_raw_ip_shortener_free_hosting_and_lookalike_links():
    text = (
        "See http://193.23.4.5/claim and https://bit.ly/3abc and "
        "https://storage.googleapis.com/bucket/login.html and https://paypal-security.com/x "
        "and https://parliament-uk.co/login and https://cheap-deals.top/x"
    )
    found = features(RiskyLinkCheck(), make_mail(text=text))
    assert found == {
        "risky_link.ip_address",
        "risky_link.shortener",
        "risky_link.free_hosting",
        "risky_link.lookalike",
        "risky_link.lookalike_trusted",
        "risky_link.abused_tld",
    }


def test_it_flags_never_seen_domains_only_when_told_what_was_seen():
    raw = make_mail(text="https://brand-new-site.example/x and https://www.parliament.uk/")
    assert features(RiskyLinkCheck(), raw) == set()
    seen = CheckContext(trusted=OFFICE, seen_domains={"known-site.example"})
    assert features(RiskyLinkCheck(), raw, seen) == {"risky_link.new_domain"}
    seen = CheckContext(trusted=OFFICE, seen_domains={"brand-new-site.example"})
    assert features(RiskyLinkCheck(), raw, seen) == set()


def test_ordinary_links_are_not_flagged():
    raw = make_mail(text="Papers: https://democracy.camden.gov.uk/x and https://www.bbc.co.uk/news")
    assert features(RiskyLinkCheck(), raw) == set()


# credential_form ---------------------------------------------------------------------------

LOGIN_PAGE = b'<html><form action="https://x.example/p"><input type="password" name="p"></form>'


def test_it_flags_html_attachments_with_forms_and_password_boxes_and_data_links():
    raw = make_mail(attachments=[("invoice.html", "text/html", LOGIN_PAGE)])
    assert "credential_form.html_attachment" in features(CredentialFormCheck(), raw)
    raw = make_mail(html='<p>Sign in</p><input type="password" name="pw">')
    assert features(CredentialFormCheck(), raw) == {"credential_form.password_in_body"}
    raw = make_mail(html='<a href="data:text/html;base64,PGh0bWw+">Open</a>')
    assert features(CredentialFormCheck(), raw) == {"credential_form.data_url"}


def test_plain_html_mail_and_harmless_html_attachments_are_not_flagged():
    raw = make_mail(
        html="<p>Hello</p>",
        attachments=[("agenda.html", "text/html", b"<html><h1>Agenda</h1></html>")],
    )
    assert features(CredentialFormCheck(), raw) == set()


# document_lure -----------------------------------------------------------------------------


def test_it_flags_shared_document_invitations_from_strangers():
    html = '<p>J. Smith has shared a document with you.</p><a href="https://docs.google.com/d/1">Open</a>'
    raw = make_mail(address="j.smith@consulting.example", html=html, text="shared a document")
    assert features(DocumentLureCheck(), raw) == {"document_lure.service_link"}
    html = '<p>Please review and sign.</p><a href="https://sign-here.example/x">REVIEW DOCUMENT</a>'
    raw = make_mail(address="dse@sign.example", html=html, text="Please review and sign")
    assert features(DocumentLureCheck(), raw) == {"document_lure.wording"}


def test_documents_shared_by_trusted_contacts_or_without_lure_words_are_not_flagged():
    text = "I've shared the grant document with you: https://docs.google.com/document/d/1"
    raw = make_mail(name="Priya Shah", address="priya.shah@camden.gov.uk", text=text)
    assert features(DocumentLureCheck(), raw) == set()
    raw = make_mail(text="Minutes are at https://docs.google.com/document/d/1 as usual.")
    assert features(DocumentLureCheck(), raw) == set()


# risky_attachment --------------------------------------------------------------------------


def _encrypted_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("details.xlsm", b"x")
    data = bytearray(buffer.getvalue())
    data[data.find(b"PK\x03\x04") + 6] |= 1  # "encrypted" flag, local header
    data[data.find(b"PK\x01\x02") + 8] |= 1  # and central directory
    return bytes(data)


@pytest.mark.parametrize(
    ("filename", "content_type", "data", "feature"),
    [
        ("setup.exe", "application/octet-stream", b"MZ", "risky_attachment.executable"),
        ("invoice.pdf.exe", "application/octet-stream", b"MZ", "risky_attachment.double_extension"),
        ("scan.iso", "application/octet-stream", b"CD001", "risky_attachment.disk_image"),
        ("report.lnk", "application/octet-stream", b"L\0\0\0", "risky_attachment.disk_image"),
        ("page.htm", "text/html", b"<p>hi</p>", "risky_attachment.html"),
        ("payment.zip", "application/zip", _encrypted_zip(), "risky_attachment.encrypted_archive"),
    ],
)
def test_it_flags_dangerous_attachments(filename, content_type, data, feature):
    raw = make_mail(attachments=[(filename, content_type, data)])
    assert feature in features(RiskyAttachmentCheck(), raw)


def test_it_flags_programs_inside_archives():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoice.js", b"WScript.Echo(1)")
    raw = make_mail(attachments=[("invoice.zip", "application/zip", buffer.getvalue())])
    assert "risky_attachment.executable" in features(RiskyAttachmentCheck(), raw)


def test_ordinary_attachments_are_not_flagged():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/a.jpg", b"jpeg")
    raw = make_mail(
        attachments=[
            ("letter.pdf", "application/pdf", b"%PDF-1.4"),
            ("letter.docx", "application/octet-stream", b"PK\x03\x04 not a real docx"),
            ("photos.zip", "application/zip", buffer.getvalue()),
        ]
    )
    assert features(RiskyAttachmentCheck(), raw) == set()


def test_text_is_not_mistaken_for_macros():
    # olevba reads unknown data as VBA source; that must not count as a macro.
    assert has_macros(b"Sub AutoOpen()\nEnd Sub", "notes.doc") is False
    assert has_macros(b"", "empty.doc") is False


# pressure_language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("Your account will be suspended within 24 hours.", "pressure_language.urgency"),
        ("I'm in a meeting, keep this between us.", "pressure_language.secrecy"),
        ("Please buy gift cards and send me the codes.", "pressure_language.payment"),
        ("Verify your account to restore access.", "pressure_language.credentials"),
        ("Dear Customer,\nyour parcel is waiting.", "pressure_language.generic_greeting"),
        ("Veri\u200cfy your a\u200bccount now", "pressure_language.credentials"),
    ],
)
def test_it_flags_pressure_language(text, feature):
    assert feature in features(PressureLanguageCheck(), make_mail(text=text))


def test_several_kinds_of_pressure_add_a_feature():
    text = "Urgent: verify your account and pay now. Keep this between us."
    assert "pressure_language.several" in features(PressureLanguageCheck(), make_mail(text=text))


def test_calm_ordinary_mail_has_no_pressure():
    text = "Dear Sarah,\nThanks for the surgery on Friday. The minutes are attached.\nBest, Tom"
    assert features(PressureLanguageCheck(), make_mail(text=text)) == set()


# hidden_text and sender_address ------------------------------------------------------------


def test_it_flags_invisible_characters_and_mixed_alphabets_inside_words():
    raw = make_mail(text="Cl\u200cai\u200cm yo\u200cur re\u200cward to\u200cday")
    assert "hidden_text.invisible" in features(HiddenTextCheck(), raw)
    raw = make_mail(text="Yοur аccount at Bіnance")  # Greek ο, Cyrillic а and і
    assert "hidden_text.mixed_script" in features(HiddenTextCheck(), raw)


def test_foreign_scripts_and_padding_are_not_hidden_text():
    raw = make_mail(text="Здравствуйте, Сара. Γειά σου. \u200c \u200c \u200c preheader padding")
    assert features(HiddenTextCheck(), raw) == set()


def test_it_flags_a_missing_sender_address():
    assert features(SenderAddressCheck(), make_mail(name="", address="facebook")) == {
        "sender_address.malformed"
    }
    assert features(SenderAddressCheck(), make_mail()) == set()


def test_a_contact_at_an_own_domain_is_called_a_colleague():
    raw = make_mail(name="Sarah Jones", address="sarah.jones@parliament-uk.co")
    detail = analyse(raw, trusted=OFFICE).findings[0].detail
    assert detail.startswith("This email claims to be from your colleague Sarah Jones")
    outside = make_mail(name="Emma Clarke", address="emma.clarke@outlook.com")
    detail = analyse(outside, trusted=OFFICE).findings[0].detail
    assert detail.startswith("This email claims to be from your contact Emma Clarke")
