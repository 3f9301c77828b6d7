from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from civicshield.web.mailguard.services import (
    ERROR_CONTACTS_TOO_BIG,
    ERROR_NOTHING_GIVEN,
    ERROR_TOO_BIG,
    MAX_CHECK_BYTES,
    MAX_CONTACTS_FILE_BYTES,
)

ERROR_BOTH_GIVEN = "Either paste the email or choose a file, not both."
ERROR_FILE_TYPE = "Choose a .eml or .msg file (an email saved from your mail program)."
ERROR_PLAIN_REMOTE = (
    "An unencrypted connection is only allowed to a server on this computer. "
    "Choose TLS or STARTTLS."
)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class CheckEmailForm(forms.Form):
    source = forms.CharField(
        label="Paste the email's full source",
        help_text=(
            "Include the headers. In Outlook: open the email, File, Properties. In Gmail: the "
            "three dots, 'Show original', 'Copy to clipboard'."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    file = forms.FileField(
        label="Or upload the email as a file (.eml or .msg)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".eml,.msg,message/rfc822"}),
    )

    def clean_source(self) -> str:
        text: str = self.cleaned_data.get("source", "")
        if len(text.encode("utf-8", "surrogateescape")) > MAX_CHECK_BYTES:
            raise forms.ValidationError(ERROR_TOO_BIG)
        return text

    def clean_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("file")
        if upload is None:
            return None
        if (upload.size or 0) > MAX_CHECK_BYTES:
            raise forms.ValidationError(ERROR_TOO_BIG)
        name = (upload.name or "").lower()
        if not name.endswith((".eml", ".msg", ".txt")):
            raise forms.ValidationError(ERROR_FILE_TYPE)
        return upload

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        has_text = bool(data.get("source", "").strip())
        has_file = data.get("file") is not None
        if not self.errors:
            if has_text and has_file:
                raise forms.ValidationError(ERROR_BOTH_GIVEN)
            if not has_text and not has_file:
                raise forms.ValidationError(ERROR_NOTHING_GIVEN)
        return data


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=320, label="Email address")
    phone = forms.CharField(
        max_length=50,
        required=False,
        label="Phone number (optional)",
        help_text="A number you already trust: it is shown when an email pretends to be them.",
    )


class ContactsImportForm(forms.Form):
    file = forms.FileField(
        label="Address book file (.csv or .vcf)",
        help_text=(
            "Export contacts from Outlook, Google Contacts or your phone. A CSV needs a column "
            "with email addresses; names and phone numbers are read when present."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.vcf,text/csv,text/vcard"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_CONTACTS_FILE_BYTES:
            raise forms.ValidationError(ERROR_CONTACTS_TOO_BIG)
        return upload


class DomainsForm(forms.Form):
    domains = forms.CharField(
        label="The office's own email domains",
        help_text=(
            "One per line, for example parliament.uk. Mail forwarded to any other domain raises "
            "an alert, and look-alikes of these domains are flagged as phishing."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ImapMailboxForm(forms.Form):
    name = forms.CharField(max_length=200, initial="Office mailbox")
    address = forms.EmailField(label="The mailbox's email address", max_length=320)
    host = forms.CharField(label="IMAP server", max_length=200)
    port = forms.IntegerField(initial=993, min_value=1, max_value=65535)
    security = forms.ChoiceField(
        choices=[
            ("ssl", "TLS from the start (usually port 993)"),
            ("starttls", "STARTTLS (usually port 143)"),
            ("none", "None (only for a server on this computer)"),
        ],
        initial="ssl",
    )
    username = forms.CharField(
        max_length=200, required=False, label="User name (leave empty to use the address)"
    )
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        label="Password or app password",
        help_text="Stored encrypted and never shown again.",
    )
    folder = forms.CharField(max_length=200, initial="INBOX", label="Folder to watch")
    sieve_port = forms.IntegerField(
        required=False,
        initial=4190,
        min_value=1,
        max_value=65535,
        label="ManageSieve port (for the forwarding check)",
        help_text="Where the mailbox's filters are kept, usually 4190. Leave empty if none.",
    )
    move_phishing = forms.BooleanField(
        required=False,
        label="Move emails judged phishing into a folder called 'Suspicious'",
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("security") == "none" and data.get("host", "").lower() not in LOCAL_HOSTS:
            self.add_error("security", ERROR_PLAIN_REMOTE)
        return data


class SignInForm(forms.Form):
    """Which service to sign in to; the mailbox's address comes from the sign-in itself."""

    provider = forms.ChoiceField(choices=[("microsoft", "Microsoft 365"), ("google", "Google")])
    name = forms.CharField(
        max_length=200,
        required=False,
        label="A name for this mailbox (optional)",
        help_text="For example 'Constituency office'. Leave empty to use its email address.",
    )
    watch_mail = forms.BooleanField(
        required=False, label="Also check new email for phishing (asks to read email)"
    )
    move_phishing = forms.BooleanField(
        required=False, label="and move emails judged phishing into a 'Suspicious' folder"
    )
