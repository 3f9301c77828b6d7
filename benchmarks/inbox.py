"""Abuse inbox at scale: ingest throughput through the task system, and page latency under load.

    .venv/bin/python benchmarks/inbox.py [--ingest 100000] [--rows 1000000] [--requests 200]

1. Ingest: N messages (texts cycled from the TweetEval validation splits, unique ids) go in as
   one file import, run by the embedded job worker exactly as `civicshield serve` would; we time
   it from upload to the last message stored and classified.
2. Pages: the database is filled to ROWS messages (bulk insert of classified rows, spread over
   500 authors and 60 days), `civicshield serve` is started, and the queue page and an author
   page are each requested REQUESTS times by a signed-in session; we report p50/p95.

Uses a fresh data directory (SQLite) unless DATABASE_URL is set (then that PostgreSQL database
is emptied first: point it at a scratch database).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "abuse"


def texts() -> list[str]:
    out = []
    for name in ("tweeteval_offensive", "tweeteval_hate"):
        with open(SHARED / name / "val.jsonl", encoding="utf-8") as handle:
            out.extend(json.loads(line)["text"] for line in handle)
    return out


def setup(data_dir: str) -> None:
    os.environ["CIVICSHIELD_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if os.environ.get("DATABASE_URL") and "--reuse" not in sys.argv:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def bench_ingest(n: int) -> dict[str, float]:
    from civicshield.web.accounts.services import member_add, office_create
    from civicshield.web.inbox.models import ImportRun, Message
    from civicshield.web.jobs import services as jobs
    from civicshield.web.jobs.worker import Worker

    office = office_create(name="Bench office")
    member = member_add(
        office=office, email="bench@x.example", full_name="Bench", role="caseworker"
    )
    pool = texts()
    lines = "\n".join(
        json.dumps({"id": f"b{i}", "author": f"@user{i % 997}", "text": pool[i % len(pool)]})
        for i in range(n)
    ).encode()
    started = time.perf_counter()
    run = ImportRun.objects.create(
        office=office,
        member=member,
        kind="table",
        platform="mastodon",
        filename="bench.jsonl",
        upload=lines,
    )
    jobs.enqueue("inbox.run_import", office=office, import_id=run.pk)
    worker = Worker()
    while worker.run_once():
        pass
    elapsed = time.perf_counter() - started
    stored = Message.objects.filter(office=office).count()
    return {"messages": stored, "seconds": elapsed, "per_second": stored / elapsed}


def fill(rows: int) -> tuple[int, int, int]:
    """Bulk-insert classified rows for one office; return (office id, user id, an author id)."""
    import datetime as dt

    from django.utils import timezone

    from civicshield.web.accounts.models import Membership
    from civicshield.web.accounts.services import member_add, office_create
    from civicshield.web.inbox.models import Author, Message

    office = office_create(name="Load office")
    member = member_add(office=office, email="load@x.example", full_name="Load", role="caseworker")
    authors = Author.objects.bulk_create(
        [Author(office=office, platform="mastodon", handle=f"@load{i}") for i in range(500)]
    )
    severities = [
        ("none", 0, False, []),
        ("low", 1, True, ["harassment"]),
        ("medium", 2, True, ["harassment"]),
        ("high", 3, True, ["hate"]),
        ("critical", 4, True, ["threat"]),
    ]
    weights = [60, 20, 12, 6, 2]
    plan = [s for s, w in zip(severities, weights, strict=True) for _ in range(w)]
    states = ["new"] * 3 + ["in_review", "actioned", "dismissed", "dismissed"]
    now = timezone.now()
    pool = texts()
    batch = []
    for i in range(rows):
        sev, rank, abusive, labels = plan[i % len(plan)]
        batch.append(
            Message(
                office=office,
                platform="mastodon",
                platform_id=f"l{i}",
                author=authors[i % 500],
                text=pool[i % len(pool)],
                received_at=now - dt.timedelta(minutes=(i * 7) % 86400),
                abusive=abusive,
                severity=sev,
                severity_rank=rank,
                labels=labels,
                state=states[i % len(states)],
            )
        )
        if len(batch) == 5000:
            Message.objects.bulk_create(batch)
            batch = []
    if batch:
        Message.objects.bulk_create(batch)
    assert Membership.objects.filter(pk=member.pk).exists()
    return office.pk, member.user_id, authors[0].pk


def session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from civicshield.web.accounts.models import User

    user = User.objects.get(pk=user_id)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["otp_device_id"] = device.persistent_id
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_pages(user_id: int, author_id: int, requests: int) -> dict[str, dict[str, float]]:
    port = free_port()
    env = dict(os.environ)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "civicshield",
            "serve",
            "--port",
            str(port),
            "--no-jobs",
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cookie = session_cookie(user_id)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for name, path in (
            ("queue page", "/inbox/"),
            ("queue, critical filter", "/inbox/?severity=critical"),
            ("author page", f"/inbox/authors/{author_id}/"),
        ):
            timings = []
            for i in range(requests + 5):
                request = urllib.request.Request(base + path, headers={"Cookie": cookie})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                    response.read()
                    assert response.status == 200, response.status
                if i >= 5:  # warm-up requests are not counted
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            results[name] = {
                "p50_ms": statistics.median(timings),
                "p95_ms": timings[int(0.95 * len(timings)) - 1],
            }
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ingest", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--reuse",
        metavar="DATA_DIR",
        help="measure pages on a data directory filled by an earlier run",
    )
    args = parser.parse_args()
    data_dir = args.reuse or tempfile.mkdtemp(prefix="civicshield-bench-")
    print(f"data directory: {data_dir}", file=sys.stderr)
    setup(data_dir)
    from django.db import connection

    engine = connection.vendor
    ingest = None
    fill_seconds = 0.0
    if args.reuse:
        from civicshield.web.accounts.models import Membership
        from civicshield.web.inbox.models import Author

        member = Membership.objects.select_related("office").get(user__email="load@x.example")
        user_id = member.user_id
        author_id = Author.objects.filter(office=member.office).order_by("pk").first().pk
    else:
        ingest = bench_ingest(args.ingest) if args.ingest else None
        if ingest:
            print(f"ingest: {ingest}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        _, user_id, author_id = fill(args.rows)
        fill_seconds = time.perf_counter() - started
    from civicshield.web.inbox.models import Message

    total = Message.objects.count()
    pages = bench_pages(user_id, author_id, args.requests)
    print(f"## Abuse inbox on {engine} ({time.strftime('%Y-%m-%d')})\n")
    if ingest:
        print("| ingest through the task system | messages | seconds | messages/s |")
        print("|---|---:|---:|---:|")
        print(
            f"| file import, embedded worker | {ingest['messages']:,} | {ingest['seconds']:.1f} | {ingest['per_second']:,.0f} |\n"
        )
    print(f"| page ({total:,} messages in the database) | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, row in pages.items():
        print(f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} |")
    if fill_seconds:
        print(f"\n(bulk fill of {args.rows:,} rows took {fill_seconds:.0f} s)")


if __name__ == "__main__":
    main()
