"""Read many text items from JSONL, CSV or plain text, and run one function over each.

A batch never dies on one item: an unreadable line becomes an ``ItemError`` (or, after
``run_batch``, a ``{"id": ..., "error": ...}`` record) and the run goes on. Input is read
line by line so a file of any length runs in flat memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

Format = Literal["auto", "jsonl", "csv", "text"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "csv", "text")

# One message is at most this many characters; longer ones are refused, not cut, so
# nothing is judged on half a text.
MAX_TEXT_CHARS = 100_000
# A line longer than this in bytes is skipped without being held in memory.
MAX_LINE_BYTES = 4 * MAX_TEXT_CHARS + 1024

ERROR_NOT_JSON = "this line is not valid JSON"
ERROR_NOT_OBJECT = "this line is JSON but not an object with a text field"
ERROR_NO_TEXT = "no text: the item needs a non-empty 'text' field"
ERROR_TEXT_NOT_STRING = "the 'text' field must be a string"
ERROR_NOT_UTF8 = "this line is not valid UTF-8 text"
ERROR_TOO_LONG = f"the text is too long (more than {MAX_TEXT_CHARS:,} characters); it was skipped"
ERROR_CSV_NO_TEXT_COLUMN = "the CSV file has no 'text' column"
ERROR_CSV_ROW = "this CSV row could not be read"
ERROR_UNKNOWN_FORMAT = "cannot tell the input format: use --format jsonl, csv or text"
ERROR_INTERNAL = "this item could not be processed"


@dataclass(frozen=True, slots=True)
class TextItem:
    """One message to analyse."""

    id: Any
    """The id given in the input, or the 1-based line/row number when there was none."""
    text: str
    """The message text, exactly as given."""


@dataclass(frozen=True, slots=True)
class ItemError:
    """An input item that could not be read."""

    id: Any
    """The id if it could be read, else the 1-based line/row number."""
    error: str
    """What was wrong, in plain words."""


class InputFormatError(ValueError):
    """The input as a whole cannot be read (not one bad item: the file itself)."""


def _read_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """Yield each line's bytes, or ``None`` for a line too long to hold."""
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            # Drain the rest of the oversized line in bounded chunks.
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _check_text(item_id: Any, text: Any) -> TextItem | ItemError:
    if text is None or (isinstance(text, str) and not text.strip()):
        return ItemError(item_id, ERROR_NO_TEXT)
    if not isinstance(text, str):
        return ItemError(item_id, ERROR_TEXT_NOT_STRING)
    if len(text) > MAX_TEXT_CHARS:
        return ItemError(item_id, ERROR_TOO_LONG)
    return TextItem(item_id, text)


def _jsonl_items(lines: Iterable[bytes | None]) -> Iterator[TextItem | ItemError]:
    for number, raw in enumerate(lines, start=1):
        if raw is None:
            yield ItemError(number, ERROR_TOO_LONG)
            continue
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield ItemError(number, ERROR_NOT_UTF8)
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            yield ItemError(number, ERROR_NOT_JSON)
            continue
        if not isinstance(obj, dict):
            yield ItemError(number, ERROR_NOT_OBJECT)
            continue
        yield _check_text(obj.get("id", number), obj.get("text"))


def _text_items(lines: Iterable[bytes | None]) -> Iterator[TextItem | ItemError]:
    for number, raw in enumerate(lines, start=1):
        if raw is None:
            yield ItemError(number, ERROR_TOO_LONG)
            continue
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield ItemError(number, ERROR_NOT_UTF8)
            continue
        if not line.strip():
            continue
        yield _check_text(number, line)


def _has_bad_bytes(value: str) -> bool:
    # Lines are decoded with surrogateescape, so undecodable bytes show up as lone surrogates.
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _csv_items(lines: Iterable[bytes | None]) -> Iterator[TextItem | ItemError]:
    # Lines that were too long to hold arrive as None; they are replaced by an empty line
    # and remembered, so the row they belonged to is reported rather than silently lost.
    skipped: list[bool] = []

    def decoded() -> Iterator[str]:
        for raw in lines:
            if raw is None:
                skipped.append(True)
                yield "\n"
            else:
                yield raw.decode("utf-8", "surrogateescape")

    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(decoded())
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputFormatError(ERROR_CSV_NO_TEXT_COLUMN) from exc
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "text" not in header:
        raise InputFormatError(ERROR_CSV_NO_TEXT_COLUMN)
    text_at = header.index("text")
    id_at = header.index("id") if "id" in header else None
    row_number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            row_number += 1
            yield ItemError(row_number, ERROR_CSV_ROW)
            continue
        if skipped:
            skipped.clear()
            row_number += 1
            yield ItemError(row_number, ERROR_TOO_LONG)
            continue
        if not any(cell.strip() for cell in row):
            continue
        row_number += 1
        item_id: Any = row_number
        if id_at is not None and id_at < len(row) and row[id_at].strip():
            item_id = row[id_at]
        if any(_has_bad_bytes(cell) for cell in row):
            yield ItemError(item_id, ERROR_NOT_UTF8)
            continue
        yield _check_text(item_id, row[text_at] if text_at < len(row) else None)


def _sniff(first: bytes, name: str | None) -> Format:
    if name:
        lowered = name.lower()
        if lowered.endswith((".jsonl", ".ndjson", ".json")):
            return "jsonl"
        if lowered.endswith(".csv"):
            return "csv"
        if lowered.endswith(".txt"):
            return "text"
    stripped = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    header = stripped.split(b"\n", 1)[0].lower()
    if b"," in header and b"text" in [c.strip(b' "\r') for c in header.split(b",")]:
        return "csv"
    raise InputFormatError(ERROR_UNKNOWN_FORMAT)


def read_text_items(
    stream: BinaryIO, fmt: Format = "auto", *, name: str | None = None
) -> Iterator[TextItem | ItemError]:
    """Yield one ``TextItem`` or ``ItemError`` per input item, in input order.

    ``fmt="auto"`` decides by the file name's extension, else by the first line: a JSON
    object means JSONL, a header with a ``text`` column means CSV. Raises
    ``InputFormatError`` when the input as a whole cannot be read.
    """
    if fmt == "auto":
        buffered = (
            stream
            if isinstance(stream, io.BufferedReader)
            else io.BufferedReader(
                stream  # type: ignore[arg-type]
            )
        )
        fmt = _sniff(buffered.peek(4096)[:4096], name)
        stream = buffered
    lines = _read_lines(stream)
    if fmt == "jsonl":
        return _jsonl_items(lines)
    if fmt == "csv":
        return _csv_items(lines)
    if fmt == "text":
        return _text_items(lines)
    raise InputFormatError(ERROR_UNKNOWN_FORMAT)


def run_batch(
    items: Iterable[TextItem | ItemError],
    analyse: Callable[[TextItem], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """Apply ``analyse`` to each item; an error on one item becomes an error record.

    Each output record starts with the item's ``id``. An exception inside ``analyse`` is
    reported with ``ERROR_INTERNAL`` and the exception's type, never a traceback, and the
    batch goes on.
    """
    for item in items:
        if isinstance(item, ItemError):
            yield {"id": item.id, "error": item.error}
            continue
        try:
            result = analyse(item)
        except Exception as exc:  # noqa: BLE001 - one bad item must not end the batch
            yield {"id": item.id, "error": f"{ERROR_INTERNAL} ({type(exc).__name__})"}
            continue
        yield {"id": item.id, **result}
