"""``civicshield backup [PATH]`` and ``civicshield restore PATH``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from civicshield.cli.django_setup import setup_django
from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus


def add_parser(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup", help="write a consistent backup of the database and uploaded files"
    )
    backup.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="archive to write (default: backups/civicshield-DATE.tar.gz in the data directory)",
    )
    backup.add_argument(
        "--include-secrets",
        action="store_true",
        help="also store the encryption keys (then guard the archive like the keys themselves)",
    )
    restore = subparsers.add_parser(
        "restore", help="restore a backup into an empty database, then check the audit log"
    )
    restore.add_argument("path", type=Path, help="the backup archive")
    restore.add_argument(
        "--force", action="store_true", help="replace whatever the database holds now"
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.cli import CommandError

    if args.command == "backup":
        setup_django(env, migrate=False)
        from civicshield.web.backup import BackupError, backup_create

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = args.path or env.data_dir / "backups" / f"civicshield-{stamp}.tar.gz"
        try:
            result = backup_create(path, include_secrets=args.include_secrets)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        secrets = (
            "the encryption keys ARE inside: keep this file as safe as the keys"
            if result.secrets_included
            else "the encryption keys are NOT inside: keep them separately"
        )
        env.stdout.write(
            f"Backup written to {result.path} ({result.engine}, {result.files} uploaded "
            f"files; {secrets}).\n"
        )
        return ExitStatus.SUCCESS

    setup_django(env, migrate=False)
    from civicshield.web.audit.services import audit_verify
    from civicshield.web.backup import BackupError, backup_restore

    try:
        restored = backup_restore(args.path, force=args.force)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    env.stdout.write(
        f"Restored {args.path} into {restored.engine} ({restored.files} uploaded files).\n"
    )
    for warning in restored.warnings:
        env.stderr.write(f"Warning: {warning}\n")
    report = audit_verify()
    if report.ok:
        env.stdout.write(
            f"Audit log intact: {report.checked} entries in {report.chains} chains checked.\n"
        )
        return ExitStatus.SUCCESS
    env.stdout.write(
        f"Audit log check FAILED after restore: {len(report.problems)} chain(s) broken; "
        "run `civicshield audit verify` for details.\n"
    )
    return ExitStatus.CHECK_FAILED
