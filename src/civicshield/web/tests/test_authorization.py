"""Every page checks who is asking: anonymous people are sent to sign in, and nobody reaches
another office's objects. New URLs are picked up automatically, so none can be forgotten."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from civicshield.web.testing import OFFICE_OBJECT_URLS, PUBLIC_URL_NAMES, signed_in_client

pytestmark = pytest.mark.django_db


def _named_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


ALL = dict(_named_patterns())
WITHOUT_ARGS = sorted(name for name, p in ALL.items() if not p.pattern.regex.groupindex)
WITH_ARGS = sorted(name for name, p in ALL.items() if p.pattern.regex.groupindex)


@pytest.mark.parametrize("name", [n for n in WITHOUT_ARGS if n not in PUBLIC_URL_NAMES])
def test_anonymous_people_are_sent_to_sign_in(name):
    response = Client().get(reverse(name))
    assert response.status_code in (302, 405), name
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


def test_every_url_with_an_object_is_in_the_isolation_table():
    missing = sorted(set(WITH_ARGS) - set(OFFICE_OBJECT_URLS))
    assert not missing, f"add these to OFFICE_OBJECT_URLS in web/testing.py: {missing}"


@pytest.mark.parametrize("name", WITH_ARGS)
def test_another_office_gets_not_found(cast, name):
    kwargs = OFFICE_OBJECT_URLS[name](cast)
    url = reverse(name, kwargs=kwargs)
    outsider = signed_in_client(cast.other_manager.user)
    # A view takes GET or POST (the other answers 405); whichever it takes must say 404.
    answers = {outsider.get(url).status_code, outsider.post(url).status_code}
    assert 404 in answers and answers <= {404, 405}, (url, answers)
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 404, 405)
