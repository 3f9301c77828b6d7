"""How long from the poll that fetches a threatening email to the alert in the on-call inbox.

    .venv/bin/python benchmarks/alert_latency.py [--runs 10]

Real servers on loopback: a private Dovecot (the office mailbox) and an aiosmtpd sink (the
on-call person's mail server). Each run appends one threatening email, then times the
production path: the `inbox.poll_source` job (IMAP fetch, classify, store, queue alerts) and
the embedded worker sending the alert jobs, until the sink holds the alert emails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ["CIVICSHIELD_DATA_DIR"] = tempfile.mkdtemp(prefix="civicshield-alert-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicshield.web.settings"
    import django

    django.setup()
    import imapclient
    from django.conf import settings
    from django.core.management import call_command

    from civicshield.web.accounts.roles import Role
    from civicshield.web.accounts.services import member_add, office_create
    from civicshield.web.inbox.models import Source
    from civicshield.web.jobs import services as jobs
    from civicshield.web.jobs.worker import Worker
    from tests.servers.dovecot import running_dovecot
    from tests.servers.smtp import running_smtp_sink

    call_command("migrate", interactive=False, verbosity=0)
    office = office_create(name="Latency office")
    member_add(
        office=office, email="oncall@x.example", full_name="On Call", role=Role.REPRESENTATIVE
    )
    timings = []
    with (
        running_dovecot({"office@x.example": "pw-office-1"}) as server,
        running_smtp_sink() as sink,
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        source = Source.objects.create(
            office=office,
            kind=Source.Kind.IMAP,
            name="Office",
            settings={
                "host": server.host,
                "port": server.imap_port,
                "username": "office@x.example",
                "use_ssl": False,
            },
            secret="pw-office-1",
        )
        worker = Worker()
        for run in range(args.runs):
            client = imapclient.IMAPClient(server.host, port=server.imap_port, ssl=False)
            client.login("office@x.example", "pw-office-1")
            client.append(
                "INBOX",
                (
                    f"From: x@example.net\r\nSubject: run {run}\r\nMessage-ID: <run{run}@example.net>\r\n\r\n"
                    "I know where you live and I am going to kill you\r\n"
                ).encode(),
            )
            client.logout()
            before = len(sink.messages)
            started = time.perf_counter()
            jobs.enqueue("inbox.poll_source", office=office, source_id=source.pk)
            while len(sink.messages) == before:
                if not worker.run_once():
                    time.sleep(0.05)
            timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"## Alert latency ({time.strftime('%Y-%m-%d')}, {args.runs} runs)\n")
    print("| from the poll to the alert email at the SMTP server | seconds |")
    print("|---|---:|")
    print(f"| median | {statistics.median(timings):.2f} |")
    print(f"| worst | {timings[-1]:.2f} |")


if __name__ == "__main__":
    main()
