from __future__ import annotations

from django import forms

from civicshield.web.habits.bio import DAY_NAMES, ERROR_END_BEFORE_START
from civicshield.web.habits.models import Risk, Status


class TimeInput(forms.TimeInput):
    input_type = "time"


class CheckinForm(forms.Form):
    start = forms.TimeField(label="Messages are read from", widget=TimeInput(format="%H:%M"))
    end = forms.TimeField(label="until", widget=TimeInput(format="%H:%M"))
    days = forms.TypedMultipleChoiceField(
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="On these days",
    )
    casework_contact = forms.CharField(
        max_length=120,
        required=False,
        label="Where casework and support requests should go",
        help_text="For example an email address. It goes in the bio, so people do not send casework by DM.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", ERROR_END_BEFORE_START)
        return data


class AnswerForm(forms.Form):
    # The empty choice matters: without it a browser shows "Met" for an unanswered control
    # and saving the page would mark it met.
    status = forms.ChoiceField(
        choices=[("", "Not answered"), *((s.value, s.label) for s in Status if s.value)],
        required=False,
        label="Status",
    )
    comment = forms.CharField(required=False, label="How it is done")
    residual_risk = forms.ChoiceField(
        choices=[("", "—"), *Risk.choices], required=False, label="Risk left"
    )
    improvement = forms.CharField(max_length=300, required=False, label="Improvement to make")


class PassphraseCheckForm(forms.Form):
    password = forms.CharField(
        label="Password to check",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        max_length=200,
        help_text="It is checked here and never stored or logged.",
    )


class ExposureForm(forms.Form):
    archive = forms.FileField(
        label="Past posts",
        help_text="A JSON-lines or CSV file with a 'text' column (and 'url' if you have it), "
        "or X's data archive file tweets.js.",
    )


class ImpersonationForm(forms.Form):
    followers = forms.FileField(
        label="New followers or connection requests",
        help_text="JSON lines or CSV with a 'handle' column; 'display_name', 'created' "
        "(a date) and 'url' make the check better.",
    )
    extra_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Other names to protect (one a line)",
        help_text="The representative's other names, family members' names, known contacts.",
    )
