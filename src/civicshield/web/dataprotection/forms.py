"""Data protection forms: they validate input; services act."""

from __future__ import annotations

from typing import Any

from django import forms

from civicshield.web.dataprotection.retention import KINDS

MAX_DAYS = 100 * 366
ERROR_DAYS_OR_KEEP = "Enter a number of days, or choose to keep it until someone deletes it."
ERROR_TOO_SHORT = "Keep {label} for at least {days} days."
ERROR_CONFIRM = "Tick the box to confirm."


class RetentionForm(forms.Form):
    kind = forms.ChoiceField(widget=forms.HiddenInput)
    days = forms.IntegerField(label="Days to keep", required=False, min_value=1, max_value=MAX_DAYS)
    keep = forms.BooleanField(label="Keep until someone deletes it", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only kinds with an automatic purge have a period to set.
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (name, kind.label) for name, kind in KINDS.items() if kind.purge is not None
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = KINDS.get(data.get("kind", ""))
        if data.get("keep"):
            data["days"] = None
        elif data.get("days") is None:
            if not self.has_error("days"):
                self.add_error("days", ERROR_DAYS_OR_KEEP)
        elif kind is not None and data["days"] < kind.min_days:
            self.add_error(
                "days", ERROR_TOO_SHORT.format(label=kind.label.lower(), days=kind.min_days)
            )
        return data


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the hold",
        max_length=300,
        help_text="For example the police reference or the court order.",
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand this account and its messages will be deleted for good",
        error_messages={"required": ERROR_CONFIRM},
    )


class AuthorSearchForm(forms.Form):
    q = forms.CharField(label="Account handle", max_length=200, required=False)
