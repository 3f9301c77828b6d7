"""The shield favicon: linked from every page, and /favicon.ico answers instead of a 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db

ICON = "/static/civicshield/favicon.svg"


def _fetch(client: Client, url: str) -> tuple[str, bytes]:
    response = client.get(url)
    assert response.status_code == 200, url
    return response["Content-Type"], response.getvalue()


def test_the_icon_is_a_shield_served_with_the_static_files():
    content_type, body = _fetch(Client(), ICON)
    assert content_type.startswith("image/svg+xml")
    assert b"<title>CivicShield</title>" in body


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_the_icon(cast, signed_in):
    client = signed_in_client(cast.volunteer.user) if signed_in else Client()
    url = reverse("dashboard") if signed_in else reverse("accounts:login")
    page = client.get(url).content.decode()
    assert f'<link rel="icon" href="{ICON}" type="image/svg+xml">' in page


def test_favicon_ico_leads_to_the_icon_for_anyone(cast):
    # Signed out, signed in, and signed in but not yet past two-factor: never a 404 or a page.
    half_signed_in = Client()
    half_signed_in.force_login(cast.volunteer.user)
    loner = get_user_model().objects.create_user(email="l@x.example", password="x", full_name="L")
    for client in (
        Client(),
        signed_in_client(cast.volunteer.user),
        half_signed_in,
        signed_in_client(loner),
    ):
        response = client.get("/favicon.ico")
        assert response.status_code == 301
        assert response["Location"] == ICON
        assert _fetch(client, response["Location"])[0].startswith("image/svg+xml")
