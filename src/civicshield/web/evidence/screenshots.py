"""Headless screenshots of a post and of its author's profile page (saferpolitics: screenshot the
post AND the account's home page, to show it was public at the time).

Uses Playwright's sync API with Debian's chromium (never a downloaded browser). Everything that
can go wrong becomes a ``Shot`` with an ``error`` ("screenshot not available: ..."); nothing here
raises. Addresses inside the server's own network are never opened (the URLs come from
platforms and imports, so a hostile post could otherwise point the browser at internal
services), except when ``CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE`` is set, as the tests do.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--no-sandbox",  # the worker may run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 20_000
PAGE_TIMEOUT_MS = 15_000
SETTLE_MS = 1_500
VIEWPORT = {"width": 1280, "height": 1400}

NOT_AVAILABLE = "screenshot not available: {reason}"
REASON_DISABLED = "screenshots are switched off on this server"
REASON_NO_BROWSER = "no browser on this server ({path} is missing)"
REASON_NO_PLAYWRIGHT = "Playwright is not installed on this server"
REASON_NO_URL = "there is no web address to open"
REASON_BAD_URL = "only http and https addresses are opened"
REASON_PRIVATE = "the address points inside this server's network, which is never opened"
REASON_FAILED = "the page could not be opened ({detail})"
REASON_BROWSER_FAILED = "the browser could not start ({detail})"


@dataclass(frozen=True)
class Shot:
    """One screenshot attempt."""

    url: str
    image: bytes | None
    """PNG bytes, or None when it failed."""
    error: str = ""
    """'screenshot not available: <reason>' when there is no image."""


def _unavailable(url: str, reason: str) -> Shot:
    return Shot(url, None, NOT_AVAILABLE.format(reason=reason))


def chromium_path() -> str:
    return str(getattr(settings, "CIVICSHIELD_CHROMIUM", "/usr/bin/chromium"))


def screenshots_enabled() -> bool:
    """Switched on in settings and a browser is installed where we expect it."""
    return bool(getattr(settings, "CIVICSHIELD_SCREENSHOTS", True)) and os.path.exists(
        chromium_path()
    )


def _allow_private() -> bool:
    return bool(getattr(settings, "CIVICSHIELD_SCREENSHOTS_ALLOW_PRIVATE", False))


def is_internal_host(host: str) -> bool:
    """Whether ``host`` is, or resolves to, a loopback, private, link-local or reserved address.

    A name that does not resolve counts as internal: the browser could not open it anyway,
    and refusing is the safe answer.
    """
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return True
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return True
    return False


def _url_problem(url: str) -> str:
    if not url:
        return REASON_NO_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return REASON_BAD_URL
    if not _allow_private() and is_internal_host(parts.hostname):
        return REASON_PRIVATE
    return ""


def _guard(route: Any) -> None:
    # Every request the page makes (redirects, images, scripts) is checked, not only the first.
    problem = _url_problem(route.request.url)
    if problem and route.request.url.split(":", 1)[0] in ("http", "https"):
        route.abort("blockedbyclient")
    else:
        route.continue_()


def _capture(browser: Any, url: str) -> Shot:
    context = browser.new_context(
        viewport=VIEWPORT, service_workers="block", accept_downloads=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.route("**/*", _guard)
        page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(SETTLE_MS)  # let a single-page app draw the post
        return Shot(url, page.screenshot(type="png", full_page=False))
    except Exception as exc:  # noqa: BLE001 - any browser failure is recorded, never fatal
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return _unavailable(url, REASON_FAILED.format(detail=detail))
    finally:
        context.close()


def take_screenshots(urls: Sequence[str]) -> list[Shot]:
    """Screenshot each address in one browser session; one ``Shot`` per address, in order."""
    results: dict[int, Shot] = {}
    todo: list[tuple[int, str]] = []
    for index, url in enumerate(urls):
        problem = _url_problem(url)
        if problem:
            results[index] = _unavailable(url, problem)
        else:
            todo.append((index, url))
    if todo and not getattr(settings, "CIVICSHIELD_SCREENSHOTS", True):
        results.update({i: _unavailable(u, REASON_DISABLED) for i, u in todo})
        todo = []
    if todo and not os.path.exists(chromium_path()):
        reason = REASON_NO_BROWSER.format(path=chromium_path())
        results.update({i: _unavailable(u, reason) for i, u in todo})
        todo = []
    if todo:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            results.update({i: _unavailable(u, REASON_NO_PLAYWRIGHT) for i, u in todo})
            todo = []
    if todo:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(),
                    headless=True,
                    args=CHROMIUM_ARGS,
                    timeout=LAUNCH_TIMEOUT_MS,
                )
                try:
                    for index, url in todo:
                        results[index] = _capture(browser, url)
                finally:
                    browser.close()
        except Exception as exc:  # noqa: BLE001 - a browser that will not start is recorded, not fatal
            log.warning("screenshot browser failed: %s", exc)
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "unknown"
            for index, url in todo:
                results.setdefault(
                    index, _unavailable(url, REASON_BROWSER_FAILED.format(detail=detail))
                )
    return [results[i] for i in range(len(urls))]
