"""Screenshots of the post and the profile page: taken by Debian's chromium from a local page,
and every failure stored as "screenshot not available: <reason>", never raised."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
from collections.abc import Iterator

import pytest

from civicshield.web.audit.models import AuditEntry
from civicshield.web.evidence import screenshots, services
from civicshield.web.evidence.models import EvidenceScreenshot
from civicshield.web.inbox.models import Author, Message
from civicshield.web.testing import make_message

pytestmark = pytest.mark.django_db

PAGES = {
    "/@pest/1": b"<!doctype html><title>post</title><h1>You should be scared</h1>",
    "/@pest": b"<!doctype html><title>profile</title><h1>@pest</h1><p>Joined today</p>",
    "/avatar.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<circle cx="32" cy="32" r="30" fill="red"/></svg>',
}


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = PAGES.get(self.path)
        self.send_response(200 if body else 404)
        kind = "image/svg+xml" if self.path.endswith(".svg") else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    """A tiny web site on 127.0.0.1 standing in for the platform (there is no internet here)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def message(cast, site):
    message = make_message(cast.office_a, "You should be scared", author="@pest")
    Message.objects.filter(pk=message.pk).update(url=f"{site}/@pest/1")
    Author.objects.filter(pk=message.author_id).update(
        profile_url=f"{site}/@pest", avatar_url=f"{site}/avatar.svg"
    )
    message.refresh_from_db()
    return message


def _need_chromium() -> None:
    path = screenshots.chromium_path()
    if os.path.exists(path):
        return
    reason = f"Debian's chromium is not installed at {path} (apt-get install chromium)"
    # In CI a missing browser is a failure, never a silent skip (tests/browser/conftest.py).
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.mark.browser
def test_the_job_screenshots_the_post_and_the_profile(
    cast, message, settings, django_capture_on_commit_callbacks
):
    _need_chromium()
    settings.CIVICSHIELD_SCREENSHOTS = True
    settings.CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE = True
    settings.JOBS_RUN_EAGERLY = True
    with django_capture_on_commit_callbacks(execute=True):
        record = services.evidence_record(member=cast.caseworker, message=message)
    shots = {s.kind: s for s in EvidenceScreenshot.objects.filter(record=record)}
    assert set(shots) == {"post", "profile", "avatar"}, [s.error for s in shots.values()]
    for kind, shot in shots.items():
        image = bytes(shot.image or b"")
        assert image.startswith(b"\x89PNG\r\n\x1a\n"), (kind, shot.error)
        assert shot.sha256 == hashlib.sha256(image).hexdigest()
        assert shot.error == ""
    assert shots["profile"].url.endswith("/@pest")
    assert AuditEntry.objects.filter(action="evidence.screenshot.taken").count() == 3
    # Run again (a retried job): nothing is taken twice.
    assert services.evidence_screenshots_take(record=record) == []


@pytest.mark.browser
def test_a_page_that_does_not_answer_is_recorded_not_raised(cast, message, settings):
    _need_chromium()
    settings.CIVICSHIELD_SCREENSHOTS = True
    settings.CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE = True
    shots = screenshots.take_screenshots(["http://127.0.0.1:9/nothing-listens-here"])
    assert shots[0].image is None
    assert shots[0].error.startswith("screenshot not available: the page could not be opened")


def test_no_browser_is_recorded_as_not_available(cast, message, settings):
    settings.CIVICSHIELD_SCREENSHOTS = True
    settings.CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE = True
    settings.CIVICSHIELD_CHROMIUM = "/nonexistent/chromium"
    record = services.evidence_record(member=cast.caseworker, message=message)
    rows = services.evidence_screenshots_take(record=record)
    assert [r.kind for r in rows] == ["post", "profile", "avatar"]
    expected = screenshots.NOT_AVAILABLE.format(
        reason=screenshots.REASON_NO_BROWSER.format(path="/nonexistent/chromium")
    )
    assert all(r.image is None and r.error == expected for r in rows)
    assert AuditEntry.objects.filter(action="evidence.screenshot.failed").count() == 3


def test_addresses_inside_the_network_are_never_opened(cast, message, settings):
    settings.CIVICSHIELD_SCREENSHOTS = True
    shots = screenshots.take_screenshots([message.url, "file:///etc/passwd", ""])
    assert shots[0].error == screenshots.NOT_AVAILABLE.format(reason=screenshots.REASON_PRIVATE)
    assert shots[1].error == screenshots.NOT_AVAILABLE.format(reason=screenshots.REASON_BAD_URL)
    assert shots[2].error == screenshots.NOT_AVAILABLE.format(reason=screenshots.REASON_NO_URL)


def test_switched_off_means_not_available(settings):
    settings.CIVICSHIELD_SCREENSHOTS = False
    settings.CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE = True
    shots = screenshots.take_screenshots(["http://127.0.0.1:9/"])
    assert shots[0].error == screenshots.NOT_AVAILABLE.format(reason=screenshots.REASON_DISABLED)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1"]
)
def test_internal_hosts_are_recognised(host):
    assert screenshots.is_internal_host(host)


def test_a_public_address_is_not_internal():
    assert not screenshots.is_internal_host("8.8.8.8")
