"""``civicshield audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import argparse
from typing import Any

from civicshield.cli.django_setup import setup_django
from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus


def add_parser(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the tamper-evident audit log")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    actions.required = True
    actions.add_parser(
        "verify", help="check that no entry was changed, removed, added or reordered"
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    setup_django(env)
    from civicshield.web.audit.services import audit_verify

    report = audit_verify()
    if report.ok:
        env.stdout.write(
            f"Audit log intact: {report.checked} entries in {report.chains} chains checked.\n"
        )
        if report.purged_chains:
            env.stdout.write(
                f"{report.purged_chains} chain(s) start at a retention checkpoint: their "
                "oldest entries were deleted on purpose, and the checkpoint says which.\n"
            )
        return ExitStatus.SUCCESS
    for problem in report.problems:
        where = f"entry id {problem.entry_id}" if problem.entry_id is not None else "end of log"
        env.stdout.write(f"BROKEN {problem.chain} at #{problem.seq} ({where}): {problem.reason}\n")
    env.stdout.write(
        f"Audit log check FAILED: {len(report.problems)} chain(s) broken, "
        f"{report.checked} entries checked.\n"
    )
    return ExitStatus.CHECK_FAILED
