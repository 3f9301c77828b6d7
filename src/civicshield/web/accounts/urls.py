from __future__ import annotations

from django.urls import path

from civicshield.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        "two-factor/recovery-codes/replace/",
        views.replace_recovery_codes,
        name="replace_recovery_codes",
    ),
    path("security/", views.security, name="security"),
    path("confirm/", views.reauth, name="reauth"),
    path("switch-office/", views.switch_office, name="switch_office"),
]
