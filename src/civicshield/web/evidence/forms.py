from __future__ import annotations

from typing import Any

from django import forms

from civicshield.web.evidence.models import PlatformReport
from civicshield.web.inbox.models import Message, Platform


class RecordForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Anything the police should know, e.g. why this worries you.",
    )


class CorrectionForm(forms.Form):
    note = forms.CharField(
        label="What is being corrected, and why",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _MessagesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        when = obj.posted_at or obj.received_at
        return f"{when:%d %b %Y %H:%M} · {obj.severity} · {obj.text[:80]}"


class CaseForm(forms.Form):
    title = forms.CharField(
        max_length=200, help_text="For example: 'Threats from @troll after the budget vote'."
    )
    messages = _MessagesField(
        queryset=Message.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Messages to include",
    )

    def __init__(self, *args: Any, messages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if messages is not None:
            self.fields["messages"].queryset = messages  # type: ignore[attr-defined]


class AddMessagesForm(forms.Form):
    messages = _MessagesField(
        queryset=Message.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Add these messages",
    )

    def __init__(self, *args: Any, messages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if messages is not None:
            self.fields["messages"].queryset = messages  # type: ignore[attr-defined]


class PlatformReportForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices)
    reported_at = forms.DateTimeField(
        label="When you reported it",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reference = forms.CharField(
        label="Reference or ticket number",
        max_length=200,
        required=False,
        help_text="Some platforms (X) give none: then say so in the notes.",
    )
    outcome = forms.ChoiceField(choices=PlatformReport.Outcome.choices)
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=PlatformReport.Outcome.choices)
    notes = forms.CharField(
        label="What the platform said",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
