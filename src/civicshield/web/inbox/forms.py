from __future__ import annotations

from typing import Any

from django import forms

from civicshield.core.abuse import LABEL_WORDS
from civicshield.core.findings import Severity
from civicshield.core.imports import IMPORT_KINDS
from civicshield.web.accounts.models import Office
from civicshield.web.inbox.models import Message, Platform
from civicshield.web.inbox.services import LABELS

MAX_IMPORT_BYTES = 50 * 1024 * 1024
ERROR_TOO_BIG = (
    f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. Split it into smaller files."
)


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        choices=[("open", "Open (new or in review)"), ("all", "All"), *Message.State.choices],
    )
    severity = forms.ChoiceField(
        required=False, choices=[("", "Any"), *[(s.value, s.value.title()) for s in Severity]]
    )
    label = forms.ChoiceField(
        required=False, choices=[("", "Any"), *[(x, LABEL_WORDS[x]) for x in LABELS]]
    )
    platform = forms.ChoiceField(required=False, choices=[("", "Any"), *Platform.choices])
    assignee = forms.ChoiceField(
        required=False, choices=[("", "Anyone"), ("me", "Me"), ("nobody", "Nobody")]
    )
    author = forms.CharField(required=False, max_length=100)
    include_clean = forms.BooleanField(required=False, label="Include messages not flagged")


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class CorrectionForm(forms.Form):
    labels = forms.MultipleChoiceField(
        required=False,
        choices=[(x, LABEL_WORDS[x]) for x in LABELS],
        widget=forms.CheckboxSelectMultiple,
    )
    severity = forms.ChoiceField(choices=[(s.value, s.value.title()) for s in Severity])


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What kind of file", choices=list(IMPORT_KINDS.items()))
    platform = forms.ChoiceField(
        label="Platform the messages came from", choices=Platform.choices, initial=Platform.OTHER
    )
    file = forms.FileField(label="File")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(ERROR_TOO_BIG)
        return upload


class ImapSourceForm(forms.Form):
    name = forms.CharField(max_length=200, initial="Office mailbox")
    host = forms.CharField(label="IMAP server", max_length=200)
    port = forms.IntegerField(initial=993, min_value=1, max_value=65535)
    username = forms.CharField(max_length=200, label="User name (usually the email address)")
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False), label="Password or app password"
    )
    folder = forms.CharField(max_length=200, initial="INBOX")
    use_ssl = forms.BooleanField(required=False, initial=True, label="Use TLS (port 993)")


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What will use this token")


class AccountSourceForm(forms.Form):
    account: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # set per office in __init__
        label="Connected account",
        empty_label=None,
    )

    def __init__(self, data: Any = None, *, office: Office) -> None:
        super().__init__(data)
        from civicshield.web.publishing.models import ConnectedAccount

        field = self.fields["account"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        field.queryset = ConnectedAccount.objects.filter(
            office=office, is_active=True, platform__in=["mastodon", "bluesky"]
        ).order_by("handle")
