"""``civicshield mail``: check emails for spear-phishing and prepare NCSC reports.

    civicshield mail scan PATH... [--trusted FILE] [--own-domain DOMAIN]
    civicshield mail report PATH --reporter EMAIL [--output FILE]

``scan`` writes one JSON line per message (the command-line contract in DESIGN.md):
``{"path", "message_id", "verdict", "score", "findings": [{"check", "severity", "detail"}]}``,
or ``{"path", "error"}`` for a message that cannot be read, and goes on. It exits 0 even when it
finds phishing (the output says so); non-zero only when the command itself cannot run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from civicshield.cli.env import Environment
from civicshield.cli.output import write_jsonl
from civicshield.cli.status import ExitStatus

ERROR_TRUSTED_UNREADABLE = "cannot read the trusted contacts file {path}: {reason}"
ERROR_INTERNAL = "this message could not be analysed (internal error)"
ERROR_REPORT_NO_MESSAGE = "no email found at {path}"
SUMMARY = "Scanned {total} message(s): {phishing} phishing, {suspicious} suspicious, {clean} clean"
SUMMARY_ERRORS = ", {errors} could not be read"
REPORT_WRITTEN = (
    "Report written to {path}. Send it from your mail program to report@phishing.gov.uk "
    "(the suspicious email is attached to it).\n"
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mail", help="check emails for phishing; report them to the NCSC"
    )
    actions = parser.add_subparsers(dest="mail_command", metavar="ACTION")
    actions.required = True

    scan = actions.add_parser(
        "scan",
        help="analyse .eml/.msg files, mbox files, Maildirs, folders or - (stdin)",
        description="Analyse emails and print one JSON line per message.",
    )
    scan.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, Maildir, mbox or -")
    scan.add_argument(
        "--trusted",
        action="append",
        default=[],
        metavar="FILE",
        help="the office's contacts: a CSV (name,email columns) or a vCard .vcf file; repeatable",
    )
    scan.add_argument(
        "--own-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain the office itself uses, e.g. parliament.uk; repeatable",
    )

    report = actions.add_parser(
        "report",
        help="prepare the NCSC report email (.eml) for a suspicious message; nothing is sent",
        description=(
            "Build a new email to report@phishing.gov.uk with the suspicious message attached. "
            "It is printed (or written with --output); send it from your own mail program."
        ),
    )
    report.add_argument("path", metavar="PATH", help="the suspicious .eml/.msg file, or -")
    report.add_argument("--reporter", required=True, metavar="EMAIL", help="your email address")
    report.add_argument("--output", "-o", metavar="FILE", help="write the .eml here")


def run(args: argparse.Namespace, env: Environment) -> int:
    if args.mail_command == "scan":
        return _scan(args, env)
    return _report(args, env)


def _load_trusted(args: argparse.Namespace) -> Any:
    from civicshield.cli import CommandError
    from civicshield.core.mail import TrustedDirectory

    directory = TrustedDirectory()
    for name in args.trusted:
        try:
            text = Path(name).read_text(encoding="utf-8-sig", errors="replace")
            directory = directory.merged(TrustedDirectory.from_file_text(text))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CommandError(ERROR_TRUSTED_UNREADABLE.format(path=name, reason=reason)) from exc
    return directory.with_domains(own=args.own_domain)


def _scan(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.core.mail import MailParseError, SourceError, analyse, iter_messages

    trusted = _load_trusted(args)
    tally = {"phishing": 0, "suspicious": 0, "clean": 0, "errors": 0}

    def records() -> Any:
        for item in iter_messages(args.paths, env.stdin):
            if isinstance(item, SourceError):
                tally["errors"] += 1
                yield {"path": item.path, "error": item.error}
                continue
            try:
                verdict = analyse(item.data, trusted=trusted)
            except MailParseError as exc:
                tally["errors"] += 1
                yield {"path": item.path, "error": str(exc)}
                continue
            except Exception:  # noqa: BLE001 - one bad message must not stop the scan
                if args.traceback:
                    raise
                tally["errors"] += 1
                yield {"path": item.path, "error": ERROR_INTERNAL}
                continue
            tally[verdict.verdict] += 1
            data = verdict.to_dict()
            yield {
                "path": item.path,
                "message_id": data["message_id"],
                "verdict": data["verdict"],
                "score": data["score"],
                "findings": data["findings"],
            }

    total = write_jsonl(records(), env.stdout)
    summary = SUMMARY.format(total=total, **tally)
    if tally["errors"]:
        summary += SUMMARY_ERRORS.format(errors=tally["errors"])
    env.stderr.write(summary + ".\n")
    return ExitStatus.SUCCESS


def _report(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.cli import CommandError
    from civicshield.core.mail import RawMessage, build_ncsc_report, iter_messages

    item = next(iter(iter_messages([args.path], env.stdin)), None)
    if not isinstance(item, RawMessage):
        reason = item.error if item is not None else ERROR_REPORT_NO_MESSAGE.format(path=args.path)
        raise CommandError(f"{args.path}: {reason}")
    try:
        message = build_ncsc_report(item.data, reporter=args.reporter)
    except ValueError as exc:
        raise CommandError(str(exc), ExitStatus.USAGE) from exc
    data = message.as_bytes()
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror}") from exc
        env.stderr.write(REPORT_WRITTEN.format(path=args.output))
        return ExitStatus.SUCCESS
    buffer = getattr(env.stdout, "buffer", None)
    if buffer is not None:
        env.stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:
        env.stdout.write(data.decode("utf-8", errors="replace"))
    return ExitStatus.SUCCESS
