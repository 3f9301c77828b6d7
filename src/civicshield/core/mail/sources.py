"""Find the messages in what the person named: .eml and .msg files, mbox files, Maildirs,
folders of any of these, or ``-`` for standard input (one message or an mbox stream).

Each message comes out as ``RawMessage(path, data)``; anything that cannot be read comes out as
``SourceError(path, error)`` and the iteration goes on. Messages inside an mbox are named
``file.mbox#N`` (1-based). Big inputs are streamed: an mbox is read line by line.
"""

from __future__ import annotations

import email.policy
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from civicshield.core.mail.parse import ERROR_TOO_LARGE, MAX_MESSAGE_BYTES

__all__ = [
    "ERROR_MSG_UNREADABLE",
    "ERROR_NOT_FOUND",
    "ERROR_UNREADABLE",
    "RawMessage",
    "SourceError",
    "iter_messages",
]

ERROR_NOT_FOUND = "no such file or folder"
ERROR_UNREADABLE = "the file could not be read"
ERROR_MSG_UNREADABLE = "this Outlook .msg file could not be read"
STDIN_NAME = "-"


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message's bytes and where it came from."""

    path: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SourceError:
    """A message or file that could not be read."""

    path: str
    error: str


Item = RawMessage | SourceError


def iter_messages(paths: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Every message under ``paths`` in a stable order (folders sorted by name)."""
    for name in paths:
        if name == STDIN_NAME:
            if stdin is not None:
                yield from _from_stream(stdin, STDIN_NAME)
            continue
        path = Path(name)
        if path.is_dir():
            yield from _from_directory(path)
        elif path.is_file():
            yield from _from_file(path)
        else:
            yield SourceError(name, ERROR_NOT_FOUND)


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _from_directory(path: Path) -> Iterator[Item]:
    if _is_maildir(path):
        for sub in ("new", "cur"):
            for entry in sorted((path / sub).iterdir()):
                if entry.is_file() and not entry.name.startswith("."):
                    yield from _from_file(entry)
        # Maildir++ sub-folders (".Sent", ".Archive") are Maildirs too.
        for entry in sorted(path.iterdir()):
            if entry.name.startswith(".") and entry.is_dir() and _is_maildir(entry):
                yield from _from_directory(entry)
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        root_path = Path(root)
        if root_path != path and _is_maildir(root_path):
            dirs[:] = []
            yield from _from_directory(root_path)
            continue
        for file_name in sorted(files):
            if not file_name.startswith("."):
                yield from _from_file(root_path / file_name)


def _from_file(path: Path) -> Iterator[Item]:
    name = str(path)
    if path.suffix.lower() == ".msg":
        yield _from_outlook(path)
        return
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(5)
            handle.seek(0)
            # An mbox starts with a "From " line; so do some single .eml exports, which stay
            # one message (the parser reads that line as the envelope sender).
            if head == b"From " and path.suffix.lower() != ".eml":
                yield from _split_mbox(handle, name)
                return
            if size > MAX_MESSAGE_BYTES:
                yield SourceError(name, ERROR_TOO_LARGE)
                return
            if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file without .msg: try Outlook
                yield _from_outlook(path)
                return
            data = handle.read()
    except OSError:
        yield SourceError(name, ERROR_UNREADABLE)
        return
    yield RawMessage(name, data)


def _from_stream(stream: BinaryIO, name: str) -> Iterator[Item]:
    head = stream.read(5)
    if head == b"From ":
        yield from _split_mbox(stream, name, first=head)
        return
    data = head + stream.read(MAX_MESSAGE_BYTES + 1 - len(head))
    if len(data) > MAX_MESSAGE_BYTES:
        yield SourceError(name, ERROR_TOO_LARGE)
        return
    yield RawMessage(name, data)


def _split_mbox(stream: BinaryIO, name: str, first: bytes = b"") -> Iterator[Item]:
    """Messages of an mbox, split at ``From `` lines after a blank line (or at the start)."""
    number = 0
    lines: list[bytes] = []
    size = 0
    too_large = False
    previous_blank = True
    pending = first

    def finish() -> Item | None:
        if number == 0:
            return None
        where = f"{name}#{number}"
        if too_large:
            return SourceError(where, ERROR_TOO_LARGE)
        return RawMessage(where, b"".join(lines))

    while True:
        line = stream.readline()
        if pending:
            line, pending = pending + line, b""
        if not line:
            break
        if line.startswith(b"From ") and previous_blank:
            item = finish()
            if item is not None:
                yield item
            number += 1
            lines, size, too_large = [], 0, False
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if number == 0:
            continue
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            too_large, lines = True, []
        elif not too_large:
            # mboxrd quoting: ">From " in a body was written for "From ".
            lines.append(
                line[1:]
                if line.startswith(b">") and line.lstrip(b">").startswith(b"From ")
                else line
            )
    item = finish()
    if item is not None:
        yield item


def _from_outlook(path: Path) -> Item:
    """An Outlook .msg file turned into RFC 5322 bytes with extract-msg."""
    try:
        import extract_msg

        message = extract_msg.openMsg(str(path))
        try:
            converted = message.asEmailMessage()  # type: ignore[attr-defined]
            data = converted.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))
        finally:
            message.close()
    except Exception:  # noqa: BLE001 - extract-msg raises many types on damaged files
        return SourceError(str(path), ERROR_MSG_UNREADABLE)
    if len(data) > MAX_MESSAGE_BYTES:
        return SourceError(str(path), ERROR_TOO_LARGE)
    return RawMessage(str(path), data)
