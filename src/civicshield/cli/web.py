"""``civicshield serve``, ``demo``, ``worker`` and ``manage``: the web app and its background work."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from civicshield.cli.django_setup import setup_django
from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus


def add_parser(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="run the web app (and its background worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help="web server processes")
    serve.add_argument(
        "--no-jobs", action="store_true", help="do not start the embedded background worker"
    )
    demo = subparsers.add_parser("demo", help="create a demo office with sample data")
    demo.add_argument(
        "--if-empty", action="store_true", help="only when the database has no office yet"
    )
    worker = subparsers.add_parser(
        "worker",
        help="run background jobs (the embedded engine, or a Celery worker when "
        "CELERY_BROKER_URL is set)",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="Celery engine: jobs run at once by this worker (default: one per CPU core)",
    )
    scheduler = subparsers.add_parser(
        "scheduler",
        help="enqueue periodic jobs, put back jobs of dead workers, and (Celery engine) "
        "send jobs whose message was lost; safe to run more than one",
    )
    scheduler.add_argument(
        "--interval", type=float, default=5.0, help="seconds between rounds (default 5)"
    )
    scheduler.add_argument(
        "--once", action="store_true", help="run one round and stop (for cron and tests)"
    )
    manage = subparsers.add_parser("manage", help="run a Django management command")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace, env: Environment) -> int:
    handler = {
        "serve": _serve,
        "demo": _demo,
        "worker": _worker,
        "scheduler": _scheduler,
        "manage": _manage,
    }[args.command]
    return handler(args, env)


def _serve(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env, migrate=True)
    from django.conf import settings
    from django.db import connections

    from civicshield.web.server import run_gunicorn

    connections.close_all()  # never share a database connection across the fork
    helpers: list[subprocess.Popen[bytes]] = []
    if not args.no_jobs:
        if settings.JOBS_ENGINE == "database":
            # The embedded engine: the job worker runs beside the web server.
            helpers.append(_start("worker"))
        # Wakes the watcher the moment mail arrives in a watched mailbox (IMAP IDLE).
        helpers.append(_start("manage", "mailguard_idle"))
    if settings.JOBS_ENGINE == "celery":
        env.stderr.write(
            "Background jobs go to Celery: run `civicshield worker` and `civicshield scheduler` "
            "as well (see README, Running at scale).\n"
        )
    env.stderr.write(
        f"CivicShield is running at http://{args.host}:{args.port}/ (Ctrl+C stops it)\n"
    )
    try:
        run_gunicorn(bind=f"{args.host}:{args.port}", workers=args.workers)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait(timeout=30)
    return ExitStatus.SUCCESS


def _start(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "civicshield", *command])  # noqa: S603


def _demo(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env, migrate=True)
    from civicshield.web.accounts.models import Office
    from civicshield.web.demo import demo_credentials_text, seed_demo

    if args.if_empty and Office.objects.exists():
        text = demo_credentials_text()
        env.stdout.write(text or "The database already has an office; no demo data added.\n")
        return ExitStatus.SUCCESS
    seed_demo()
    env.stdout.write(demo_credentials_text() or "")
    return ExitStatus.SUCCESS


def _worker(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env, migrate=False)
    from django.conf import settings

    if settings.JOBS_ENGINE == "celery":
        from django.db import connections

        from civicshield.web.celery_app import app

        connections.close_all()  # the prefork pool forks: never share a connection
        argv = ["worker", "--loglevel", "INFO", "--hostname", f"civicshield-{os.getpid()}@%h"]
        if args.concurrency:
            argv += ["--concurrency", str(args.concurrency)]
        app.worker_main(argv)
        return ExitStatus.SUCCESS
    from civicshield.web.jobs.worker import Worker

    Worker().run_forever()
    return ExitStatus.SUCCESS


def _scheduler(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env, migrate=False)
    from civicshield.web.jobs.worker import Scheduler

    scheduler = Scheduler(interval=args.interval)
    if args.once:
        scheduler.run_once()
    else:
        scheduler.run_forever()
    return ExitStatus.SUCCESS


def _manage(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicshield manage", *args.arguments])
    return ExitStatus.SUCCESS
