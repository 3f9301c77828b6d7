"""The world a command runs in: streams and the data directory, injected so tests can fake them."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

DEFAULT_DATA_DIR = "~/.local/share/civicshield"


@dataclass
class Environment:
    """Everything a command may touch outside its arguments. Nothing in ``cli/`` uses ``sys`` directly."""

    stdin: BinaryIO = field(default_factory=lambda: sys.stdin.buffer)
    """Raw bytes in; commands decode themselves so a bad byte is one bad item, not a crash."""
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    variables: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    """Environment variables (``CIVICSHIELD_DATA_DIR`` and friends)."""

    @property
    def stderr_is_terminal(self) -> bool:
        """Progress bars go to stderr only when a person is watching it."""
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())

    @property
    def data_dir(self) -> Path:
        """Where the SQLite database, the generated secret key and uploads live."""
        return Path(self.variables.get("CIVICSHIELD_DATA_DIR", DEFAULT_DATA_DIR)).expanduser()
