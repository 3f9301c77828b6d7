"""Forms only validate; the views hand ``cleaned_data`` to the services."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from civicshield.web.accounts.roles import Role
from civicshield.web.publishing import rules
from civicshield.web.publishing.models import ApprovalPolicy, CheckMode, ConnectedAccount


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


class DraftForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=ConnectedAccount.objects.none(), label="Post to", empty_label=None
    )
    text = forms.CharField(
        label="Post", widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=5000
    )
    topics = forms.CharField(
        label="Topics (optional)",
        required=False,
        help_text="Separate with commas, e.g. housing, election",
    )

    def __init__(self, *args: Any, accounts: Any = None, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["account"]
        else:
            self.fields["account"].queryset = accounts  # type: ignore[attr-defined]

    def clean_topics(self) -> list[str]:
        return _lines(self.cleaned_data["topics"])


class ImageForm(forms.Form):
    image = forms.ImageField(
        label="Photo",
        help_text="JPEG or PNG, up to 8 MB. Location and camera details are removed on upload.",
    )
    alt_text = forms.CharField(
        label="Describe the photo (alt text)",
        required=False,
        max_length=1000,
        help_text="For people who use screen readers: say what the photo shows.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}))


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label="When to publish",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the office's time zone. Leave empty to publish now.",
    )

    def __init__(self, *args: Any, time_zone: str = "Europe/London", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.zone = zoneinfo.ZoneInfo(time_zone)

    def clean_when(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data["when"]
        if value is None:
            return None
        # The browser sends a wall-clock time; it means the office's own clock.
        return value.replace(tzinfo=None).replace(tzinfo=self.zone)


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(label="Bluesky handle", help_text="e.g. janemorgan.bsky.social")
    app_password = forms.CharField(
        label="App password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Make one in Bluesky: Settings → Privacy and security → App passwords, and "
        "tick 'Allow access to your direct messages' so the inbox gets them too. "
        "Never use the account's main password.",
    )
    server_url = forms.URLField(
        label="Server", initial="https://bsky.social", assume_scheme="https"
    )


class AppPasswordForm(forms.Form):
    app_password = forms.CharField(
        label="New app password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Bluesky: Settings → Privacy and security → App passwords. Tick "
        "'Allow access to your direct messages' so the inbox gets them too.",
    )


class MastodonConnectForm(forms.Form):
    server_url = forms.CharField(
        label="Mastodon server",
        help_text="The address of the account's server, e.g. mastodon.social",
    )


class DemoAccountForm(forms.Form):
    platform = forms.ChoiceField(choices=[("mastodon", "Mastodon"), ("bluesky", "Bluesky")])
    handle = forms.CharField(label="Name to show", initial="@demo")


class PolicyForm(forms.Form):
    approvals_required = forms.IntegerField(label="Approvals needed", min_value=1, max_value=5)
    approver_roles = forms.MultipleChoiceField(
        label="Who may approve",
        choices=[(r.value, r.label) for r in Role if r in rules.APPROVER_ROLE_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    representative_sign_off = forms.ChoiceField(
        label="Representative's own sign-off", choices=ApprovalPolicy.SignOff.choices
    )
    sign_off_topics = forms.CharField(
        label="Topics that need the representative's sign-off",
        required=False,
        help_text="Separate with commas; a post mentioning one, or tagged with one, needs it",
    )

    def clean_sign_off_topics(self) -> list[str]:
        return _lines(self.cleaned_data["sign_off_topics"])


class AccessForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    can_draft = forms.BooleanField(required=False)
    can_approve = forms.BooleanField(required=False)
    can_publish = forms.BooleanField(required=False)


class CheckSettingsForm(forms.Form):
    privacy = forms.ChoiceField(label="Personal information", choices=CheckMode.choices)
    images = forms.ChoiceField(label="Photos", choices=CheckMode.choices)
    links = forms.ChoiceField(label="Links", choices=CheckMode.choices)
    tone = forms.ChoiceField(label="Tone of the post", choices=CheckMode.choices)
    private_names = forms.CharField(
        label="Never post these names and places",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line, optionally with what it is: 'Sophie: daughter', "
        "'Hillside Primary: school'",
    )
    allowed_details = forms.CharField(
        label="Public contact details that may be posted",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The office's phone number, email and address, one a line",
    )

    def clean_private_names(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["private_names"].splitlines() if line.strip()
        ]

    def clean_allowed_details(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data["allowed_details"].splitlines()
            if line.strip()
        ]


def validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)
