"""The authorization matrix: every URL x every role x own office and another office.

What each role may open comes from one place, the role -> capability table in
``accounts/roles.py``, and what each page asks for from its ``@member_required(...)``. For
every page and every member of the test cast this test asserts the answer: allowed (the page,
a redirect within the app, or 405 for the wrong method), 403 for a role without the
capability, 404 for another office's objects. A page that has no ``@member_required`` must be
listed in ``NOT_MEMBER_PAGES`` with how it is guarded, so no page escapes the matrix."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicshield.web.accounts.roles import CAPABILITIES
from civicshield.web.testing import OFFICE_OBJECT_URLS, PUBLIC_URL_NAMES, signed_in_client
from civicshield.web.tests.test_authorization import ALL, WITH_ARGS, WITHOUT_ARGS

pytestmark = pytest.mark.django_db

# Pages guarded otherwise than by office membership: anyone signed in (setting up two-factor
# comes before joining an office), or public (sign-in, health check, token-authenticated API).
NOT_MEMBER_PAGES = {
    "accounts:two_factor_setup": "signed in",
    "accounts:two_factor_verify": "signed in",
    "accounts:logout": "signed in",
    **{name: "public" for name in PUBLIC_URL_NAMES},
}
CAST_MEMBERS = ["representative", "manager", "comms", "caseworker", "volunteer", "other_manager"]

# Pages whose objects are narrower than the office: a checked email belongs to the person who
# checked it (managers see every check in the office), so other staff get "not found".
OWN_OBJECT_PAGES = {"mailguard:email", "mailguard:report", "mailguard:report_eml"}
OWNER_OR_MANAGER = {"representative", "manager"}
# An invitation link opened by someone signed in as another person is "not found".
INVITEE_ONLY_PAGES = {"team:invitation_accept"}


def _required(name: str) -> str:
    view = ALL[name].callback
    capability = getattr(view, "member_capability", None)
    if capability is not None:
        return str(capability)
    return NOT_MEMBER_PAGES.get(name, "UNGUARDED")


def test_every_page_is_either_for_members_or_listed_with_its_guard():
    unguarded = sorted(n for n in ALL if _required(n) == "UNGUARDED")
    assert not unguarded, f"no @member_required and not in NOT_MEMBER_PAGES: {unguarded}"


def _answer(client: Client, url: str) -> int:
    status = client.get(url).status_code
    if status == 405:
        status = client.post(url).status_code
    return status


def _expected(required: str, role: str, other_office: bool) -> str:
    if required in ("public", "signed in"):
        return "allowed"
    if other_office:
        return "not found"
    if required == "member" or required in CAPABILITIES[role]:
        return "allowed"
    return "forbidden"


def _outcome(status: int) -> str:
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not found"
    # 400: the guard let the request through and the form refused the (empty) input.
    if status in (200, 201, 204, 302, 303, 400, 405):
        return "allowed"
    return f"HTTP {status}"


@pytest.mark.parametrize("name", [n for n in WITHOUT_ARGS if _required(n) != "public"])
def test_pages_without_an_object_answer_each_role_as_the_table_says(cast, name):
    required = _required(name)
    url = reverse(name)
    seen, wanted = {}, {}
    for who in CAST_MEMBERS:
        member = getattr(cast, who)
        seen[who] = _outcome(_answer(signed_in_client(member.user), url))
        # Office B's manager opens Office B's own page here: their own office.
        wanted[who] = _expected(required, member.role, other_office=False)
    assert seen == wanted, (url, required)


@pytest.mark.parametrize("name", [n for n in WITH_ARGS if n in OFFICE_OBJECT_URLS])
def test_pages_with_an_object_answer_each_role_and_office_as_the_table_says(cast, name):
    required = _required(name)
    seen, wanted = {}, {}
    for who in CAST_MEMBERS:
        # A fresh object for each member: an allowed POST may have used up the last one.
        url = reverse(name, kwargs=OFFICE_OBJECT_URLS[name](cast))
        member = getattr(cast, who)
        seen[who] = _outcome(_answer(signed_in_client(member.user), url))
        wanted[who] = _expected(required, member.role, other_office=who == "other_manager")
        if name in OWN_OBJECT_PAGES and who not in OWNER_OR_MANAGER | {"other_manager"}:
            wanted[who] = "not found"
        if name in INVITEE_ONLY_PAGES:
            wanted[who] = "not found"
    assert seen == wanted, (name, required)


def test_the_api_takes_only_a_live_token_and_writes_only_into_the_tokens_office(cast):
    import json

    from civicshield.web.inbox.models import Message
    from civicshield.web.inbox.services import api_token_create, api_token_revoke

    url = reverse("api:api_push_messages")
    body = json.dumps({"messages": [{"id": "m1", "author": "@x", "text": "You are a disgrace"}]})
    assert Client().post(url, body, content_type="application/json").status_code == 401
    bad = Client(headers={"Authorization": "Bearer cs_not_a_real_token"})
    assert bad.post(url, body, content_type="application/json").status_code == 401
    token, secret = api_token_create(member=cast.other_manager, name="bridge")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.post(url, body, content_type="application/json").status_code in (200, 201)
    assert set(Message.objects.values_list("office_id", flat=True)) == {cast.office_b.pk}
    api_token_revoke(member=cast.other_manager, token=token)
    assert client.post(url, body, content_type="application/json").status_code == 401


MEMBER_PAGES = [n for n in WITHOUT_ARGS if _required(n) not in ("public", "signed in")]


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_every_page_sends_the_security_headers(cast, name):
    response = signed_in_client(cast.representative.user).get(reverse(name))
    if response.status_code == 405:
        return
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, name
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("name", MEMBER_PAGES + [n for n in WITH_ARGS if n in OFFICE_OBJECT_URLS])
def test_no_page_accepts_a_post_without_the_csrf_token(cast, name):
    kwargs = OFFICE_OBJECT_URLS[name](cast) if name in OFFICE_OBJECT_URLS else {}
    client = signed_in_client(cast.representative.user, Client(enforce_csrf_checks=True))
    assert client.post(reverse(name, kwargs=kwargs)).status_code in (403, 405), name


def test_a_real_anonymous_session_is_replaced_at_sign_in(cast):
    from civicshield.web.testing import PASSWORD

    client = Client()
    session = client.session
    session["planted"] = True  # an attacker's session that the victim is made to use
    session.save()
    planted = session.session_key
    client.cookies["sessionid"] = str(planted)
    client.post(
        reverse("accounts:login"), {"username": cast.manager.user.email, "password": PASSWORD}
    )
    assert client.cookies["sessionid"].value not in ("", planted)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=planted).exists()
