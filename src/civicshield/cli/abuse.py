"""``civicshield abuse classify [PATH|-]``: one JSONL verdict per input message, same order.

Input is JSONL (``{"id": ..., "text": ...}``), CSV with a ``text`` column, or plain text
(``--format text``, one message a line). A bad item yields ``{"id": ..., "error": ...}``
and the run goes on. Input is streamed in small batches, so any length runs in flat memory.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus

BATCH_SIZE = 256
ERROR_NO_SUCH_FILE = "no such file: {path}"
ERROR_NOT_A_FILE = "not a readable file: {path}"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    abuse = subparsers.add_parser("abuse", help="abuse triage: classify messages")
    actions = abuse.add_subparsers(dest="abuse_command", metavar="ACTION")
    actions.required = True
    classify = actions.add_parser(
        "classify",
        help="classify messages as threat, hate, sexual, harassment, profanity, spam or doxxing",
        description=(
            "Read messages (JSONL with id and text, CSV with a text column, or one message a "
            "line with --format text) and print one JSON line per message, in the same order."
        ),
    )
    classify.add_argument(
        "path", nargs="?", default="-", help="input file, or - for stdin (default)"
    )
    classify.add_argument(
        "--format",
        choices=("auto", "jsonl", "csv", "text"),
        default="auto",
        help="input format (default: decide by file name or first line)",
    )


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def classify_records(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Turn TextItem / ItemError objects into output records, batched, in input order."""
    from civicshield.core.abuse import classify_many
    from civicshield.core.batch import ERROR_INTERNAL, ItemError, TextItem

    for batch in _batched(items, BATCH_SIZE):
        texts = [item.text for item in batch if isinstance(item, TextItem)]
        try:
            results = iter(list(classify_many(texts)))
        except Exception:  # noqa: BLE001 - one bad batch falls back to one item at a time
            results = None
        for item in batch:
            if isinstance(item, ItemError):
                yield {"id": item.id, "error": item.error}
                continue
            if results is not None:
                yield {"id": item.id, **next(results).to_dict()}
                continue
            try:
                result = next(iter(classify_many([item.text])))
            except Exception as exc:  # noqa: BLE001 - one bad item must not end the run
                yield {"id": item.id, "error": f"{ERROR_INTERNAL} ({type(exc).__name__})"}
                continue
            yield {"id": item.id, **result.to_dict()}


def run(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.cli import CommandError
    from civicshield.cli.output import ProgressReader, write_jsonl
    from civicshield.core.batch import InputFormatError, read_text_items

    name: str | None = None
    raw: BinaryIO
    if args.path == "-":
        raw = env.stdin
    else:
        path = Path(args.path)
        if not path.exists():
            raise CommandError(ERROR_NO_SUCH_FILE.format(path=args.path))
        if not path.is_file():
            raise CommandError(ERROR_NOT_A_FILE.format(path=args.path))
        raw = path.open("rb")
        name = path.name
    reader = ProgressReader(raw, env, label="classifying")
    try:
        items = read_text_items(reader, args.format, name=name)  # type: ignore[arg-type]
        write_jsonl(classify_records(items), env.stdout)
    except InputFormatError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        reader.close()
        if raw is not env.stdin:
            raw.close()
    return ExitStatus.SUCCESS
