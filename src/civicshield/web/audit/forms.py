from __future__ import annotations

from django import forms

from civicshield.web.audit.actions import Area


class AuditFilterForm(forms.Form):
    area = forms.ChoiceField(
        required=False, label="Area", choices=[("", "All areas"), *Area.choices]
    )
    actor = forms.CharField(required=False, label="Person", max_length=254)
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Older links filter by the start of the stored code (``?action=publishing.draft``); kept
    # working, and shown on the page as a filter one can remove.
    action = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
