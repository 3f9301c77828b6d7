"""Team forms: they validate input and nothing else; services act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from civicshield.web.accounts.models import Membership, Office, User
from civicshield.web.accounts.roles import Role
from civicshield.web.team.models import PlatformAccount, TeamSettings

ERROR_PASSWORDS_DIFFER = "The two passwords are not the same."
ERROR_CONFIRM_OFFBOARD = "Tick the box to confirm."


class DateInput(forms.DateInput):
    input_type = "date"


class AccountForm(forms.ModelForm):  # type: ignore[type-arg]
    access = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who can reach it",
        help_text="Everyone who knows the password, has their own login or admin role on it.",
    )
    recovery_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Recovery page",
        help_text="The platform's own account-recovery page (type it in; never copy it from an email).",
    )
    abuse_report_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Report page",
        help_text="The platform's own page for reporting abuse or impersonation.",
    )

    class Meta:
        model = PlatformAccount
        fields = (
            "platform",
            "name",
            "handle",
            "owner",
            "access",
            "shared_login",
            "two_factor",
            "recovery_confirmed",
            "password_changed",
            "recovery_url",
            "abuse_report_url",
            "notes",
            "is_closed",
        )
        widgets = {"recovery_confirmed": DateInput(), "password_changed": DateInput()}
        labels = {
            "two_factor": "Two-factor sign-in",
            "is_closed": "This account is closed",
            "recovery_url": "Recovery page",
            "abuse_report_url": "Report page",
        }

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Membership.objects.filter(office=office, is_active=True).select_related("user")
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        self.fields["access"].queryset = people  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["access"] = list(self.instance.access.filter(is_active=True))


class InviteForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CASEWORKER)


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=200)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Three random words work well, for example 'kettle-orbit-lantern'.",
    )
    password_again = forms.CharField(
        label="The same password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", ERROR_PASSWORDS_DIFFER)
        elif password:
            try:
                validate_password(
                    password, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class OffboardForm(forms.Form):
    reason = forms.CharField(label="Reason (kept in the record)", max_length=300, required=False)
    confirm = forms.BooleanField(
        label="I understand: they are signed out now and cannot sign back in.",
        error_messages={"required": ERROR_CONFIRM_OFFBOARD},
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class ReviewConfirmForm(forms.Form):
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class TeamSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TeamSettings
        fields = ("review_interval_days", "rotation_due_days")
        labels = {
            "review_interval_days": "Days between access reviews",
            "rotation_due_days": "Days allowed to change passwords after someone leaves",
        }

    def clean_review_interval_days(self) -> int:
        value = int(self.cleaned_data["review_interval_days"])
        if not 7 <= value <= 366:
            raise forms.ValidationError("Choose between 7 and 366 days.")
        return value

    def clean_rotation_due_days(self) -> int:
        value = int(self.cleaned_data["rotation_due_days"])
        if not 0 <= value <= 30:
            raise forms.ValidationError("Choose between 0 and 30 days.")
        return value


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    on_call = forms.BooleanField(required=False, label="On call for critical alerts")
