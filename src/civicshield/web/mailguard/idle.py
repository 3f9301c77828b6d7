"""Wake the watcher the moment mail arrives: IMAP IDLE where the server offers it, polling
otherwise (the connector's ``wait_for_new`` chooses).

The periodic ``mailguard.watch`` job checks every mailbox every two minutes anyway; this makes
new mail checked within seconds. It only *waits*: the scan is the same watch job, queued here,
so there is one code path that scans, stores and moves the cursor.
"""

from __future__ import annotations

import logging

from civicshield.connectors.imap import ImapCursor, ImapMailbox
from civicshield.web.mailguard.models import WatchedMailbox
from civicshield.web.mailguard.watcher import imap_settings, watch_enqueue

log = logging.getLogger(__name__)

IDLE_WAIT = 300.0
"""Seconds one wait lasts before the connection is renewed (and the mailbox re-read)."""
POLL_INTERVAL = 30.0
"""Seconds between checks on servers without IDLE."""


def mailbox_wait_and_enqueue(
    mailbox: WatchedMailbox, *, timeout: float = IDLE_WAIT, poll_interval: float = POLL_INTERVAL
) -> bool:
    """Wait up to ``timeout`` seconds for new mail in ``mailbox``; queue a watch if it came.

    Returns True when new mail arrived (or was already waiting after the stored cursor).
    Raises the connector's ConnectorError when the mailbox cannot be reached.
    """
    cursor = None
    if mailbox.cursor:
        cursor = ImapCursor(int(mailbox.cursor["uidvalidity"]), int(mailbox.cursor["last_uid"]))
    with ImapMailbox(imap_settings(mailbox), poll_interval=poll_interval) as imap:
        arrived = imap.wait_for_new(timeout, cursor)
        method = imap.last_wait_method or "check"
    if arrived:
        queued = watch_enqueue(mailbox)
        log.info("new mail in mailbox %s (%s); watch queued: %s", mailbox.pk, method, queued)
    return arrived
