"""``civicshield manage mailguard_idle``: wait on every connected IMAP mailbox (IDLE where
offered) and queue its watch the moment mail arrives. Run it next to the worker."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from civicshield.connectors.base import ConnectorError
from civicshield.web.mailguard.idle import IDLE_WAIT, mailbox_wait_and_enqueue
from civicshield.web.mailguard.models import WatchedMailbox

log = logging.getLogger(__name__)

RETRY_AFTER = 60.0
"""Seconds to wait after a connection failure before trying the mailbox again."""
SETTLE = 15.0
"""Seconds to let a queued watch run before waiting again (its cursor is not stored yet)."""
RESCAN_MAILBOXES = 60.0
"""Seconds between looks for newly connected mailboxes."""


def _connected() -> list[WatchedMailbox]:
    return list(
        WatchedMailbox.objects.select_related("office").filter(
            enabled=True, kind=WatchedMailbox.Kind.IMAP
        )
    )


def _follow(mailbox_id: int, timeout: float, stop: threading.Event) -> None:
    """One thread per mailbox: wait, queue, repeat, until it is disconnected or we stop."""
    try:
        while not stop.is_set():
            close_old_connections()
            mailbox = WatchedMailbox.objects.select_related("office").filter(pk=mailbox_id).first()
            if mailbox is None or not mailbox.enabled or not mailbox.password:
                return
            try:
                arrived = mailbox_wait_and_enqueue(mailbox, timeout=timeout)
            except ConnectorError as exc:
                log.warning("mailbox %s: %s", mailbox_id, exc)
                stop.wait(RETRY_AFTER)
                continue
            if arrived:
                stop.wait(SETTLE)
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Watch connected IMAP mailboxes with IDLE and queue a check as soon as mail arrives."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="wait once on each mailbox in turn, then stop (for testing and cron)",
        )
        parser.add_argument(
            "--timeout", type=float, default=IDLE_WAIT, help="seconds per wait (default 300)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        timeout = float(options["timeout"])
        if options["once"]:
            for mailbox in _connected():
                if not mailbox.password:
                    continue
                try:
                    arrived = mailbox_wait_and_enqueue(mailbox, timeout=timeout)
                except ConnectorError as exc:
                    self.stderr.write(f"{mailbox.name}: {exc}")
                    continue
                self.stdout.write(f"{mailbox.name}: {'new mail' if arrived else 'nothing new'}")
            return
        stop = threading.Event()
        threads: dict[int, threading.Thread] = {}
        try:
            while True:
                for mailbox in _connected():
                    running = threads.get(mailbox.pk)
                    if mailbox.password and (running is None or not running.is_alive()):
                        thread = threading.Thread(
                            target=_follow,
                            args=(mailbox.pk, timeout, stop),
                            name=f"mailguard-idle-{mailbox.pk}",
                            daemon=True,
                        )
                        thread.start()
                        threads[mailbox.pk] = thread
                close_old_connections()
                time.sleep(RESCAN_MAILBOXES)
        except KeyboardInterrupt:
            stop.set()
