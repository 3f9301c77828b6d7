from __future__ import annotations

from typing import Any

from django import forms

from civicshield.web.accounts.models import Office
from civicshield.web.emergency.models import PlanContact, PlaybookKind
from civicshield.web.team.models import PlatformAccount


class ContactForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(required=False, assume_scheme="https", label="Web page")

    class Meta:
        model = PlanContact
        fields = ("position", "name", "when", "phone", "email", "url", "notify_on_incident")
        labels = {
            "position": "Order in the list",
            "when": "When to contact them",
            "notify_on_incident": "Email them automatically when incident mode starts",
        }


class PlaybookForm(forms.Form):
    steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}), help_text="One step a line, in order."
    )


class NotesForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class IncidentOpenForm(forms.Form):
    kind = forms.ChoiceField(choices=PlaybookKind.choices, label="What has happened?")
    summary = forms.CharField(max_length=300, required=False, label="In a sentence (optional)")
    accounts = forms.ModelMultipleChoiceField(
        queryset=PlatformAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which accounts are affected?",
        help_text="For a hacked account: each one gets its own recovery checklist.",
    )
    drill = forms.BooleanField(
        required=False,
        label="This is a drill: practise only; pause nothing and tell nobody",
    )

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = PlatformAccount.objects.filter(  # type: ignore[attr-defined]
            office=office, is_closed=False
        )


class NoteForm(forms.Form):
    text = forms.CharField(max_length=2000, label="Add to the timeline")


class CloseForm(forms.Form):
    what_happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What happened?"
    )
    what_worked = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What worked well?"
    )
    what_to_change = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="What should change in the plan or the office's habits?",
    )
    resume_publishing = forms.BooleanField(required=False, label="Resume scheduled posts now")
