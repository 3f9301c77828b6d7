from __future__ import annotations

from django import forms


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, label="Action starts with", max_length=100)
    actor = forms.CharField(required=False, label="Person", max_length=254)
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
