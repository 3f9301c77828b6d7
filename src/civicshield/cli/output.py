"""Shared output helpers: JSONL writing and a progress bar that appears only on a terminal."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, BinaryIO, TextIO

from civicshield.cli.env import Environment


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one compact JSON object per line; return how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


class ProgressReader:
    """Wrap a binary stream and move a progress bar as bytes are read.

    The bar (tqdm) is drawn on stderr only when stderr is a terminal, so piped output
    stays clean. Its total is the file size when that is known.
    """

    def __init__(self, raw: BinaryIO, env: Environment, *, label: str) -> None:
        self._raw = raw
        total: int | None = None
        try:
            total = os.fstat(raw.fileno()).st_size or None
        except (OSError, AttributeError, ValueError):
            total = None
        self._bar: Any = None
        if env.stderr_is_terminal:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, unit="B", unit_scale=True, desc=label, file=env.stderr, leave=False
            )

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._advance(self._raw.read(size))

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._advance(data)
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        return self._advance(self._raw.readline(size))

    def _advance(self, data: bytes) -> bytes:
        if self._bar is not None and data:
            self._bar.update(len(data))
        return data

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    @property
    def closed(self) -> bool:
        return False
