"""The office's address book: CSV and vCard."""

from __future__ import annotations

import re

import pytest

from civicshield.core.mail import ERROR_CSV_NO_COLUMNS, TrustedDirectory


def test_it_reads_a_plain_csv():
    directory = TrustedDirectory.from_csv(
        "Name,Email\nSarah Jones,Sarah.Jones@parliament.uk\nTom Patel,tom@parliament.uk\n",
        own_domains=["Parliament.UK"],
    )
    assert directory.contacts["Sarah Jones"] == {"sarah.jones@parliament.uk"}
    assert directory.own_domains == {"parliament.uk"}
    assert directory.is_trusted_address("anyone@mail.parliament.uk")


def test_it_reads_an_outlook_style_csv_with_first_and_last_names():
    text = (
        "\ufeffFirst Name,Last Name,E-mail Address,E-mail 2 Address\n"
        "Priya,Shah,priya.shah@camden.gov.uk,priya@home.example\n"
    )
    directory = TrustedDirectory.from_csv(text)
    assert directory.contacts["Priya Shah"] == {"priya.shah@camden.gov.uk", "priya@home.example"}
    assert "camden.gov.uk" in directory.domains


def test_free_mail_contacts_do_not_make_free_mail_trusted():
    directory = TrustedDirectory.from_csv("name,email\nEmma Clarke,emma.clarke@gmail.com\n")
    assert "gmail.com" not in directory.domains
    assert directory.is_trusted_address("emma.clarke@gmail.com")
    assert not directory.is_trusted_address("someone.else@gmail.com")


def test_a_csv_without_an_email_column_is_refused():
    with pytest.raises(ValueError, match=re.escape(ERROR_CSV_NO_COLUMNS)):
        TrustedDirectory.from_csv("name,phone\nSarah,0207\n")


def test_it_reads_vcards_with_folded_lines_and_several_addresses():
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sarah Jones\r\nN:Jones;Sarah;;;\r\n"
        "EMAIL;TYPE=work:sarah.jones@parl\r\n iament.uk\r\nitem1.EMAIL:sarah@home.example\r\n"
        "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nN:Patel;Tom;;;\r\n"
        "EMAIL:tom.patel@parliament.uk\r\nEND:VCARD\r\n"
    )
    directory = TrustedDirectory.from_vcard(text)
    assert directory.contacts["Sarah Jones"] == {"sarah.jones@parliament.uk", "sarah@home.example"}
    assert directory.contacts["Tom Patel"] == {"tom.patel@parliament.uk"}
    assert TrustedDirectory.from_file_text(text).contacts == directory.contacts
