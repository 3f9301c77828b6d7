"""Scale-out benchmark: ingest and classify messages across many offices with 1 and 2 workers.

For each configuration (engine x number of workers) a fresh database is made, 50 offices are
created, and the messages are queued as import jobs (``inbox.run_import``, BATCH messages
each, spread evenly over the offices) before any worker starts. Then the workers are
started and timed until every job is done, while this process opens the busiest office's
inbox queue page once a second as a signed-in office manager (Django's test client, in
process, against the same database) and records how long each page took.

Reported: messages per second, the 2-worker / 1-worker ratio, the database's growth per
message (after VACUUM), and the queue page's p95 during the load.

    # embedded default (SQLite, ``civicshield worker`` processes)
    nice .venv/bin/python benchmarks/scale.py --messages 100000 --engines database
    # Celery + Redis + PostgreSQL (needs redis-server and a PostgreSQL superuser URL)
    nice .venv/bin/python benchmarks/scale.py --messages 100000 --engines celery \\
        --pg-admin-url postgres://postgres@127.0.0.1:54329

Each configuration runs in a child process of this script (``--one``), because Django's
settings are fixed when it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = Path("/work/shared/data/abuse/tweeteval_offensive/test_text.txt")
FALLBACK_TEXTS = [
    "Your policy is killing the NHS.",
    "You are a disgrace and should resign",
    "Thanks for your help with the bus route",
    "I know where you live",
    "Vote her out.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts() -> list[str]:
    if TEXTS.exists():
        lines = [line.strip() for line in TEXTS.read_text().splitlines() if line.strip()]
        if lines:
            return lines
    return FALLBACK_TEXTS


# --- one configuration (child process) ----------------------------------------------------------


def _db_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
            return Path(str(connection.settings_dict["NAME"])).stat().st_size
        cursor.execute("VACUUM FULL")
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def _seed(messages: int, offices: int, batch: int) -> tuple[object, int]:
    from django.db import transaction

    from civicshield.web.accounts.roles import Role
    from civicshield.web.accounts.services import member_add, office_create
    from civicshield.web.inbox.models import ImportRun
    from civicshield.web.jobs import services as jobs
    from civicshield.web.testing import PASSWORD

    texts = _texts()
    rng = random.Random(8)
    made = [office_create(name=f"Office {n:02d}", own_domains=[]) for n in range(offices)]
    manager = member_add(
        office=made[0],
        email="bench@office0.example",
        full_name="Bench Manager",
        role=Role.OFFICE_MANAGER,
        password=PASSWORD,
    )
    per_office = messages // offices
    queued = 0
    for index, office in enumerate(made):
        for start in range(0, per_office, batch):
            count = min(batch, per_office - start)
            lines = [
                json.dumps(
                    {
                        "id": f"{index}-{start + n}",
                        "author": f"@user{rng.randrange(2000)}",
                        "text": f"{rng.choice(texts)} ({start + n})",
                    }
                )
                for n in range(count)
            ]
            with transaction.atomic():
                run = ImportRun.objects.create(
                    office=office,
                    kind="table",
                    platform="mastodon",
                    filename=f"bench-{index}-{start}.jsonl",
                    upload="\n".join(lines).encode(),
                )
                jobs.enqueue("inbox.run_import", office=office, import_id=run.pk)
            queued += 1
    return manager, per_office * offices


def _one(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.web.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    from civicshield.web.inbox.models import Message
    from civicshield.web.jobs.models import Job
    from civicshield.web.testing import signed_in_client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", interactive=False, verbosity=0)
    empty_bytes = _db_bytes()
    manager, total = _seed(args.messages, args.offices, args.batch)
    client = signed_in_client(manager.user, Client())
    queue_url = reverse("inbox:queue")
    connections.close_all()

    command = [sys.executable, "-m", "civicshield", "worker"]
    if settings.JOBS_ENGINE == "celery":
        command += ["--concurrency", "1"]
    logs = Path(tempfile.mkdtemp(prefix="scale-bench-logs-"))
    procs = []
    started = time.monotonic()
    for n in range(args.workers):
        with (logs / f"worker{n}.log").open("w") as log:
            procs.append(
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            )
    if settings.JOBS_ENGINE == "celery":
        with (logs / "scheduler.log").open("w") as log:
            procs.append(
                subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "civicshield", "scheduler"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    page_times: list[float] = []
    try:
        while True:
            t0 = time.perf_counter()
            response = client.get(queue_url)
            page_times.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise SystemExit(f"queue page answered {response.status_code}")
            left = Job.objects.filter(name="inbox.run_import").exclude(state="done").count()
            failed = Job.objects.filter(state="failed").count()
            if failed:
                raise SystemExit(f"{failed} jobs failed; see {logs}")
            if left == 0:
                break
            time.sleep(1.0)
    finally:
        elapsed = time.monotonic() - started
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    stored = Message.objects.count()
    full_bytes = _db_bytes()
    page_times.sort()
    p95 = page_times[max(0, int(round(0.95 * len(page_times))) - 1)]
    print(
        json.dumps(
            {
                "engine": settings.JOBS_ENGINE,
                "database": connections["default"].vendor,
                "workers": args.workers,
                "messages": total,
                "stored": stored,
                "seconds": round(elapsed, 1),
                "per_second": round(stored / elapsed, 1),
                "bytes_per_message": round((full_bytes - empty_bytes) / max(stored, 1)),
                "queue_p95_ms": round(p95 * 1000),
                "queue_median_ms": round(statistics.median(page_times) * 1000),
                "queue_samples": len(page_times),
            }
        )
    )


# --- the driver ---------------------------------------------------------------------------------


def _run_config(engine: str, workers: int, args: argparse.Namespace) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    data = Path(tempfile.mkdtemp(prefix=f"scale-bench-{engine}-{workers}-"))
    env["CIVICSHIELD_DATA_DIR"] = str(data)
    env["OMP_NUM_THREADS"] = "1"
    redis = None
    dbname = None
    if engine == "celery":
        if not args.pg_admin_url:
            raise SystemExit("--pg-admin-url is needed for the celery engine")
        port = _free_port()
        redis = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        dbname = f"civicshield_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(  # noqa: S603
            ["psql", "-q", f"{args.pg_admin_url}/postgres", "-c", f"CREATE DATABASE {dbname}"],  # noqa: S607
            check=True,
        )
        env["DATABASE_URL"] = f"{args.pg_admin_url}/{dbname}"
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    elif args.pg_admin_url and args.database == "postgresql":
        dbname = f"civicshield_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(  # noqa: S603
            ["psql", "-q", f"{args.pg_admin_url}/postgres", "-c", f"CREATE DATABASE {dbname}"],  # noqa: S607
            check=True,
        )
        env["DATABASE_URL"] = f"{args.pg_admin_url}/{dbname}"
    try:
        out = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", "--workers", str(workers)]
            + ["--messages", str(args.messages), "--offices", str(args.offices)]
            + ["--batch", str(args.batch)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stdout + exc.stderr)
        raise
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
        if dbname:
            subprocess.run(  # noqa: S603
                ["psql", "-q", f"{args.pg_admin_url}/postgres", "-c"]
                + [f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"],
                check=False,
            )
        shutil.rmtree(data, ignore_errors=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result), file=sys.stderr)
    return result


def _table(results: list[dict[str, object]]) -> str:
    lines = [
        "| engine | database | workers | messages | time (s) | messages/s | 2:1 ratio "
        "| bytes/message | queue page p95 (ms) | median (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    one = {(r["engine"], r["database"]): r["per_second"] for r in results if r["workers"] == 1}
    for r in results:
        base = one.get((r["engine"], r["database"]))
        ratio = (
            f"{float(r['per_second']) / float(base):.2f}"  # type: ignore[arg-type]
            if r["workers"] != 1 and base
            else ""
        )
        lines.append(
            f"| {r['engine']} | {r['database']} | {r['workers']} | {r['stored']:,} "
            f"| {r['seconds']} | {r['per_second']} | {ratio} | {r['bytes_per_message']:,} "
            f"| {r['queue_p95_ms']} | {r['queue_median_ms']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--batch", type=int, default=2000, help="messages per import job")
    parser.add_argument("--workers", type=int, default=1, help="with --one")
    parser.add_argument("--worker-counts", default="1,2")
    parser.add_argument("--engines", default="database,celery")
    parser.add_argument("--database", default="sqlite", help="embedded engine: sqlite|postgresql")
    parser.add_argument("--pg-admin-url", default=os.environ.get("PG_ADMIN_URL", ""))
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _one(args)
        return
    results = []
    for engine in args.engines.split(","):
        for workers in (int(n) for n in args.worker_counts.split(",")):
            results.append(_run_config(engine, workers, args))
    print(_table(results))


if __name__ == "__main__":
    main()
