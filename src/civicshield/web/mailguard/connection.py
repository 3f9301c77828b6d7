"""Connector settings for a watched mailbox, and a quick login test before it is saved."""

from __future__ import annotations

import dataclasses
from typing import Any

from civicshield.connectors.base import ConnectorError, MailboxSettings, SieveSettings

VERIFY_TIMEOUT = 10.0
"""Seconds the connect page waits for a server before saying it cannot be reached."""


def imap_settings(conf: dict[str, Any], *, address: str, password: str) -> MailboxSettings:
    security = conf.get("security", "ssl")
    return MailboxSettings(
        host=conf["host"],
        port=int(conf.get("port", 993)),
        username=conf.get("username", "") or address,
        password=password,
        use_ssl=security == "ssl",
        starttls=security == "starttls",
        folder=conf.get("folder", "INBOX") or "INBOX",
    )


def sieve_settings(
    conf: dict[str, Any], *, address: str, password: str, port: int
) -> SieveSettings:
    return SieveSettings(
        host=conf.get("sieve_host") or conf["host"],
        port=port,
        username=conf.get("username", "") or address,
        password=password,
        # A mailbox reached without TLS (allowed only on this computer) has a plain filter server.
        starttls=conf.get("security", "ssl") != "none",
    )


def verify_login(
    conf: dict[str, Any], *, address: str, password: str, sieve_port: int | None
) -> dict[str, int]:
    """Log in to IMAP (and ManageSieve, when a port is given) once; raise ConnectorError if not.

    The error's message is plain words (wrong password, server unreachable, TLS failed), ready
    to show on the form. Returns the cursor to start watching from: after the mail already in
    the folder, so connecting a mailbox does not scan years of old mail at once.
    """
    from civicshield.connectors.imap import ImapMailbox
    from civicshield.connectors.managesieve import SieveAccount

    settings = dataclasses.replace(
        imap_settings(conf, address=address, password=password), timeout=VERIFY_TIMEOUT
    )
    with ImapMailbox(settings) as mailbox:
        start = mailbox.start_cursor()
    if sieve_port:
        with SieveAccount(
            sieve_settings(conf, address=address, password=password, port=sieve_port)
        ):
            pass
    return {"uidvalidity": start.uidvalidity, "last_uid": start.last_uid}


__all__ = ["ConnectorError", "imap_settings", "sieve_settings", "verify_login"]
