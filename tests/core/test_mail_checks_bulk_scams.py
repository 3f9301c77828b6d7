"""The checks for bulk scam mail: made-up senders, fancy letters, picture-only mail, bait topics.

Each has a case it must catch and a genuine look-alike it must leave alone.
"""

from __future__ import annotations

import pytest

from civicshield.core.mail import analyse, parse
from civicshield.core.mail.checks import CheckContext
from civicshield.core.mail.checks.display_name import DisplayNameCheck
from civicshield.core.mail.checks.hidden_text import HiddenTextCheck
from civicshield.core.mail.checks.layout import LayoutCheck
from civicshield.core.mail.checks.lure_topic import LureTopicCheck
from civicshield.core.mail.checks.mass_mailing import MassMailingCheck
from civicshield.core.mail.checks.pressure_language import PressureLanguageCheck
from civicshield.core.mail.checks.risky_link import RiskyLinkCheck
from civicshield.core.mail.checks.sender_address import SenderAddressCheck
from civicshield.core.mail.scoring import load_scorer

from .mail_helpers import OFFICE, make_mail

CONTEXT = CheckContext(trusted=OFFICE)


def features(check, raw):
    return {hit.feature for hit in check.run(parse(raw), CONTEXT)}


def html_only(html: str, *, sender: str = "News <news@shop-example.com>", subject: str = "Hi"):
    return (
        f"From: {sender}\r\nTo: office@parliament.uk\r\nSubject: {subject}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    ).encode()


# sender_address ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["notificacoes@correios", "info@mailer.notarealending", "no-reply@banco"]
)
def test_a_sender_domain_that_cannot_exist_is_flagged(address):
    raw = make_mail(name="Correios", address=address)
    assert "sender_address.impossible_domain" in features(SenderAddressCheck(), raw)


@pytest.mark.parametrize(
    "address",
    ["alex@example.org", "scanner@office.local", "list@lists.localgov.test", "a@b.co.uk"],
)
def test_real_reserved_and_internal_domains_are_not_impossible(address):
    raw = make_mail(address=address)
    assert "sender_address.impossible_domain" not in features(SenderAddressCheck(), raw)


def test_one_letter_subdomain_chains_are_throwaway_senders():
    raw = make_mail(address="dennis_3370@a.c.h.h.a.d.o.maeza.com")
    assert "sender_address.throwaway_domain" in features(SenderAddressCheck(), raw)
    ordinary = make_mail(address="jo@mail.e.example.com")
    assert "sender_address.throwaway_domain" not in features(SenderAddressCheck(), ordinary)


def test_a_sender_on_a_much_abused_ending_is_a_weak_sign():
    assert "sender_address.abused_tld" in features(
        SenderAddressCheck(), make_mail(address="offers@deals-4u.shop")
    )
    assert "sender_address.abused_tld" not in features(
        SenderAddressCheck(), make_mail(address="offers@deals.co.uk")
    )


def test_a_from_line_with_several_addresses_is_flagged():
    raw = (
        b"From: EDEKA-Gutschein, <service@edeka.de.>, EDEKA, <x@stayfriends.example.com>\r\n"
        b"To: office@parliament.uk\r\nSubject: Gutschein\r\n\r\nHallo\r\n"
    )
    assert "sender_address.several_senders" in features(SenderAddressCheck(), raw)
    single = make_mail(name="Edeka, Kundenservice", address="service@edeka.de")
    assert "sender_address.several_senders" not in features(SenderAddressCheck(), single)


def test_an_address_with_two_at_signs_is_broken():
    raw = b"From: News <newsletter.someone@pot@goitrogen.us>\r\nSubject: x\r\n\r\nbody\r\n"
    assert "sender_address.malformed" in features(SenderAddressCheck(), raw)


def test_a_microsoft_365_starter_address_is_flagged():
    raw = make_mail(name="Support", address="4169158863407@9980080836134.onmicrosoft.com")
    assert "sender_address.starter_domain" in features(SenderAddressCheck(), raw)
    own_domain = make_mail(address="support@contoso.com")
    assert "sender_address.starter_domain" not in features(SenderAddressCheck(), own_domain)


def test_the_office_own_domains_are_never_questioned():
    raw = make_mail(address="casework@parliament.uk")
    assert features(SenderAddressCheck(), raw) == set()


# hidden_text: styled letters -----------------------------------------------------------------


def test_maths_bold_letters_in_the_subject_are_a_filter_dodge():
    raw = make_mail(
        subject="\U0001d40b\U0001d40e\U0001d40e\U0001d40a\U0001d408\U0001d40d\U0001d406 FOR HEARING AIDS?"
    )
    assert "hidden_text.styled_letters" in features(HiddenTextCheck(), raw)


def test_accents_and_other_alphabets_are_not_styled_letters():
    raw = make_mail(subject="Réunion à Zürich", text="Καλημέρα, привет, café.\n")
    assert "hidden_text.styled_letters" not in features(HiddenTextCheck(), raw)


def test_a_brand_spelt_with_look_alike_keyboard_characters_is_flagged():
    for subject in ("[ lRS : Report ] - Your refund is ready", "Your PayPaI account", "Amaz0n"):
        raw = make_mail(subject=subject)
        assert "hidden_text.disguised_brand" in features(HiddenTextCheck(), raw), subject


def test_brands_written_normally_are_not_disguised():
    for subject in ("IRS guidance on gift aid", "LIDL opening hours", "Your Amazon order", "ill"):
        raw = make_mail(subject=subject)
        assert "hidden_text.disguised_brand" not in features(HiddenTextCheck(), raw), subject


# layout --------------------------------------------------------------------------------------


def test_an_email_of_pictures_and_a_link_with_hardly_any_words_is_flagged():
    raw = html_only(
        '<a href="https://deals.example.com/x"><img src="https://i.example.com/a.png"></a>'
    )
    assert features(LayoutCheck(), raw) == {"layout.mostly_pictures"}


def test_a_newsletter_with_words_or_a_text_part_is_not():
    words = " ".join(["word"] * 60)
    wordy = html_only(f'<img src="a.png"><p>{words}</p><a href="https://x.example.com">more</a>')
    assert features(LayoutCheck(), wordy) == set()
    with_text = make_mail(
        text=words, html='<img src="a.png"><a href="https://x.example.com">go</a>'
    )
    assert features(LayoutCheck(), with_text) == set()


def test_a_token_plain_text_part_does_not_hide_a_picture_only_email():
    raw = make_mail(
        text="Get a capable html e-mailer\n",
        html='<a href="https://complaint.example.info/in.php"><img src="cid:image001.gif"></a>',
    )
    assert features(LayoutCheck(), raw) == {"layout.mostly_pictures"}


# lure_topic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "topic"),
    [
        ("Earn XLM by staking your assets", "lure_topic.crypto"),
        ("Your_transfer_0.7495_BTC", "lure_topic.crypto"),
        ("Congratulations! You have won a £500 voucher", "lure_topic.prize"),
        ("Herzliche Glückwünsche! Sie wurden ausgewählt!", "lure_topic.prize"),
        ("Meet beautiful Ukrainian singles tonight", "lure_topic.dating"),
        ("Secret morning ritual melts belly fat", "lure_topic.health"),
        ("Your pre-approved Platinum Visa card", "lure_topic.credit"),
        ("YOUR US$3,8 DONATION FUND", "lure_topic.advance_fee"),
        ("Part-time job offer: earn $300 per day", "lure_topic.job"),
        ("Warning: your device may be infected", "lure_topic.scareware"),
    ],
)
def test_bait_in_the_subject_line_names_its_topic(subject, topic):
    assert topic in features(LureTopicCheck(), make_mail(subject=subject))


def test_the_body_needs_two_different_bait_phrases():
    twice = make_mail(subject="Hello", text="Congratulations! Claim your voucher before Friday.\n")
    assert "lure_topic.prize" in features(LureTopicCheck(), twice)
    once = make_mail(subject="Summer fair", text="The raffle winner was Jo. Thanks all.\n")
    assert features(LureTopicCheck(), once) == set()


def test_a_briefing_that_mentions_crypto_once_is_not_bait():
    raw = make_mail(
        subject="Briefing: regulation of digital assets",
        text="The Treasury consultation covers how cryptocurrency firms are regulated.\n",
    )
    assert features(LureTopicCheck(), raw) == set()


# risky_link: raw addresses and free hosting -----------------------------------------------


def test_a_bank_sender_linking_to_a_bare_address_is_a_strong_sign():
    raw = make_mail(
        name="PayPal",
        address="service@paypal.com",
        html='<a href="http://185.22.44.10/webscr/login">Log in</a>',
    )
    found = features(RiskyLinkCheck(), raw)
    assert {"risky_link.ip_from_brand", "risky_link.ip_address"} <= found


def test_private_network_addresses_in_technical_mail_are_not_links_to_worry_about():
    raw = make_mail(text="Point the radio at http://192.168.10.2/ and http://10.0.0.5:8080/ .\n")
    assert features(RiskyLinkCheck(), raw) == set()


@pytest.mark.parametrize(
    "url",
    [
        "https://i-a4qxna7jwq-rj.a.run.app/login",
        "https://southamerica-east1-x.cloudfunctions.net/pay",
        "https://mysecureldg.s3.us-east-1.amazonaws.com/index.html",
        "https://abc-ipfs-dweb-link.translate.goog/",
        "http://jfhdh.chickenkiller.com/",
    ],
)
def test_pages_anyone_can_publish_count_as_free_hosting(url):
    raw = make_mail(html=f'<a href="{url}">Open</a>')
    assert "risky_link.free_hosting" in features(RiskyLinkCheck(), raw)


def test_an_ordinary_amazon_web_services_address_is_not_free_hosting():
    raw = make_mail(html='<a href="https://console.aws.amazon.com/">AWS</a>')
    assert "risky_link.free_hosting" not in features(RiskyLinkCheck(), raw)


# display_name: more brands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Evri", "parcels@evri-redelivery.info"),
        ("IPSA", "claims@ipsa-expenses.com"),
        ("Ledger", "jennifer@shalinimisra.com"),
    ],
)
def test_borrowed_brand_names_are_flagged(name, address):
    assert "display_name.brand" in features(
        DisplayNameCheck(), make_mail(name=name, address=address)
    )


def test_the_brand_writing_from_its_own_domain_is_not():
    assert "display_name.brand" not in features(
        DisplayNameCheck(), make_mail(name="Evri", address="noreply@evri.com")
    )


# mass_mailing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "NUBANK AVISO DE COMPRA - 8dSHbu0oHKXsxJE",
        "Notificação Emitida - 42xoY4dA3T1QAOo",
        "Your statement XJ34DNLwlN",
    ],
)
def test_a_random_anti_filter_code_in_the_subject_is_flagged(subject):
    raw = make_mail(subject=subject)
    assert features(MassMailingCheck(), raw) == {"mass_mailing.random_code"}


@pytest.mark.parametrize(
    "subject",
    [
        "Invoice INV-20931 for October",
        "Booking reference AB12CD34",
        "Re: Working My_Mark2CurSeen",
        "Meeting with the PlayStation5 team",
        "Minutes of the 2024 AGM",
    ],
)
def test_references_and_readable_names_are_not_random_codes(subject):
    assert features(MassMailingCheck(), make_mail(subject=subject)) == set()


@pytest.mark.parametrize(
    "subject", ["iPhone 13 Pro für {firstname}", "Hi %FIRSTNAME%, claim now", "*|FNAME|*, hello"]
)
def test_an_unfilled_mail_merge_field_is_flagged(subject):
    assert features(MassMailingCheck(), make_mail(subject=subject)) == {
        "mass_mailing.unfilled_field"
    }


def test_braces_in_a_body_or_an_ordinary_subject_are_not_merge_fields():
    raw = make_mail(subject="Template {draft} for the newsletter", text="Dear {first_name},\n")
    assert features(MassMailingCheck(), raw) == set()


def test_an_organisation_name_in_another_language_on_free_mail_is_flagged():
    raw = make_mail(name="GOV-BR - Aviso importante", address="jose.h@gmail.com")
    assert "display_name.organisation_on_free_mail" in features(DisplayNameCheck(), raw)
    numbered = make_mail(name="Time NU. Protocolo:7164942633959263", address="g.b@gmail.com")
    assert "display_name.organisation_on_free_mail" in features(DisplayNameCheck(), numbered)
    person = make_mail(name="Jose Hughes", address="jose.h@gmail.com")
    assert "display_name.organisation_on_free_mail" not in features(DisplayNameCheck(), person)


def test_an_unauthorised_payment_scare_is_urgency():
    raw = make_mail(subject="Unauthorized Payment - New billing Confirmations")
    assert "pressure_language.urgency" in features(PressureLanguageCheck(), raw)


# scoring --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "feature",
    [
        "lure_topic.crypto",
        "lure_topic.prize",
        "layout.mostly_pictures",
        "sender_address.impossible_domain",
        "sender_address.several_senders",
        "hidden_text.styled_letters",
        "risky_link.ip_from_brand",
        "mass_mailing.random_code",
        "mass_mailing.unfilled_field",
        "sender_address.starter_domain",
        "hidden_text.disguised_brand",
    ],
)
def test_no_bulk_scam_sign_alone_makes_an_email_phishing(feature):
    verdict, _ = load_scorer().verdict([feature])
    assert verdict != "phishing"


def test_a_bait_topic_with_a_made_up_sender_is_flagged_with_advice():
    raw = make_mail(
        name="Correios",
        address="notifica@correios",
        subject="Stake your XLM for 25% yields",
        text="Claim your tokens now.\n",
    )
    result = analyse(raw, trusted=OFFICE)
    assert result.verdict in ("phishing", "suspicious")
    assert "different means" in result.findings[-1].detail or "phone" in result.findings[-1].detail


# pressure_language: callback scams ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Your Geek Squad plan has been renewed for $399.99. If you did not authorize this "
        "charge, call our billing team on +1 (888) 202-1234 within 24 hours.\n",
        "Your McAfee subscription auto-renewal went through today. To cancel, ring 020 7946 0321.\n",
    ],
)
def test_a_charge_to_cancel_by_phone_is_a_callback_scam(text):
    raw = make_mail(name="Billing", address="billing@renewals-desk.com", text=text)
    assert "pressure_language.callback" in features(PressureLanguageCheck(), raw)


def test_a_receipt_without_a_number_or_a_signature_with_one_is_not():
    receipt = make_mail(
        text="If you didn't make this purchase, visit the Help page of your account.\n"
    )
    signature = make_mail(text="Thanks for coming to the surgery.\nJo Bloggs\n020 7946 0321\n")
    for raw in (receipt, signature):
        assert "pressure_language.callback" not in features(PressureLanguageCheck(), raw)


@pytest.mark.parametrize(
    "name",
    ["Eco Savings by Elon Musk", "Elon's Spark", "Martin Lewis Tips", "Martin Lewis's Money"],
)
def test_a_famous_name_as_the_sender_is_flagged(name):
    raw = make_mail(name=name, address="news@brandkeyconcept.com")
    assert "display_name.celebrity" in features(DisplayNameCheck(), raw)


def test_ordinary_names_and_subjects_about_famous_people_are_not():
    for name in ("Peter Jones", "Martin Lewis"):
        raw = make_mail(name=name, address="p.j@gmail.com", subject="Elon Musk's post")
        assert "display_name.celebrity" not in features(DisplayNameCheck(), raw)


def test_an_address_in_the_sender_name_is_found_in_any_alphabet():
    raw = make_mail(name="service@lnt.ҏaypal.com", address="vincent.curse80@procurement.pass.or.tz")
    found = features(DisplayNameCheck(), raw)
    assert {"display_name.shows_address", "display_name.brand"} <= found
