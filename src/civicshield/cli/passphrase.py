"""``civicshield passphrase``: make three-random-words passphrases, or check a password's strength.

    civicshield passphrase                   # one passphrase of three words
    civicshield passphrase --words 4 --count 5
    civicshield passphrase --check < file    # reads one password from stdin; prints a report

``--check`` never writes the password back out. It exits 0 when the password is good enough
(score 3 or 4) and 3 (CHECK_FAILED) when it is not, so scripts can act on it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus

MAX_COUNT = 100
MAX_PASSWORD_BYTES = 4096

ERROR_COUNT = f"--count must be between 1 and {MAX_COUNT}"
ERROR_NOT_A_NUMBER = "must be a whole number"
ERROR_NOTHING_ON_STDIN = (
    "no password on standard input: pipe it in, e.g. 'civicshield passphrase --check < file'"
)
ERROR_STDIN_NOT_UTF8 = "the password on standard input is not valid UTF-8 text"


def _words(value: str) -> int:
    from civicshield.core.passphrase import ERROR_WORD_COUNT, MAX_WORDS, MIN_WORDS

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--words {ERROR_NOT_A_NUMBER}") from None
    if not MIN_WORDS <= number <= MAX_WORDS:
        raise argparse.ArgumentTypeError(ERROR_WORD_COUNT)
    return number


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--count {ERROR_NOT_A_NUMBER}") from None
    if not 1 <= number <= MAX_COUNT:
        raise argparse.ArgumentTypeError(ERROR_COUNT)
    return number


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "passphrase",
        help="make 'three random words' passphrases, or check how strong a password is",
        description=(
            "Print passphrases made of random common words (NCSC: 'three random words'). "
            "With --check, read one password from standard input and say how strong it is."
        ),
    )
    parser.add_argument(
        "--words",
        type=_words,
        default=3,
        metavar="N",
        help="words per passphrase, 3 to 12 (default 3)",
    )
    parser.add_argument(
        "--count",
        type=_count,
        default=1,
        metavar="K",
        help="how many passphrases to print (default 1)",
    )
    parser.add_argument(
        "--separator", default="-", metavar="S", help="what goes between the words (default '-')"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="read a password from standard input and print its strength (never the password)",
    )
    parser.add_argument(
        "--user-input",
        action="append",
        default=[],
        metavar="WORD",
        help="with --check: a word people know about you (name, constituency); repeatable",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --check: print the report as JSON"
    )


def _read_password(env: Environment) -> str:
    isatty = getattr(env.stdin, "isatty", None)
    if isatty is not None and isatty():
        import getpass

        # A person at a terminal: read without showing what they type.
        return getpass.getpass("Password to check (not shown): ", stream=env.stderr)
    from civicshield.cli import CommandError

    raw = env.stdin.read(MAX_PASSWORD_BYTES + 1)[:MAX_PASSWORD_BYTES]
    first_line = raw.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        password = first_line.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(ERROR_STDIN_NOT_UTF8) from None
    if not password:
        raise CommandError(ERROR_NOTHING_ON_STDIN)
    return password


def _report_text(report: Any) -> str:
    lines = [
        f"Score: {report.score} of 4",
        report.verdict,
        report.crack_time,
    ]
    if report.warning:
        lines.append(f"Why: {report.warning}")
    lines.extend(f"- {suggestion}" for suggestion in report.suggestions)
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.cli import CommandError
    from civicshield.core import passphrase

    if args.check:
        report = passphrase.strength(_read_password(env), args.user_input)
        if args.json:
            env.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        else:
            env.stdout.write(_report_text(report))
        return ExitStatus.SUCCESS if report.acceptable else ExitStatus.CHECK_FAILED
    try:
        phrases = [
            passphrase.generate(args.words, separator=args.separator) for _ in range(args.count)
        ]
    except ValueError as exc:
        raise CommandError(str(exc), ExitStatus.USAGE) from None
    env.stdout.write("".join(f"{phrase}\n" for phrase in phrases))
    return ExitStatus.SUCCESS
