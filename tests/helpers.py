"""Run the command line in-process, the way httpie's tests do, and read what it wrote."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from civicshield.cli import main
from civicshield.cli.env import Environment


@dataclass
class CliResult:
    exit_status: int
    stdout: str
    stderr: str

    @property
    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def run_cli(*args: str, stdin: bytes = b"", variables: dict[str, str] | None = None) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdin=io.BytesIO(stdin), stdout=out, stderr=err, variables=dict(variables or {})
    )
    status = main(list(args), env)
    return CliResult(status, out.getvalue(), err.getvalue())
