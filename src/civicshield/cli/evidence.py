"""``civicshield evidence verify PACK.zip``: check that an evidence pack is intact."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus

ERROR_UNREADABLE = "cannot read {path}: {reason}"


def add_parser(subparsers: Any) -> None:
    evidence = subparsers.add_parser("evidence", help="evidence packs for the police or a platform")
    actions = evidence.add_subparsers(dest="evidence_command", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser(
        "verify",
        help="check that no file in an evidence pack was changed, removed or added",
        description="Exit status: 0 intact, 3 altered or damaged, 1 the file cannot be read.",
    )
    verify.add_argument("pack", metavar="PACK.zip", type=Path, help="the evidence pack (ZIP)")


def run(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.core.evidence import verify_pack

    path: Path = args.pack
    try:
        data = path.read_bytes()
    except OSError as exc:
        env.stderr.write(
            "civicshield: " + ERROR_UNREADABLE.format(path=path, reason=exc.strerror or exc) + "\n"
        )
        return ExitStatus.ERROR
    report = verify_pack(data)
    if report.ok:
        env.stdout.write(
            f"Evidence pack intact: {len(report.checked)} files checked against the manifest "
            f"(manifest SHA-256 {report.manifest_sha256}, written by CivicShield "
            f"{report.tool_version or 'unknown version'}).\n"
        )
        return ExitStatus.SUCCESS
    for problem in report.problems:
        env.stdout.write(f"PROBLEM: {problem}\n")
    env.stdout.write(
        f"Evidence pack check FAILED: {len(report.problems)} problem(s), "
        f"{len(report.checked)} file(s) read.\n"
    )
    return ExitStatus.CHECK_FAILED
