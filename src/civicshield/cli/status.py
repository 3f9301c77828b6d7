"""Exit statuses of the ``civicshield`` command."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    ERROR = 1
    """The command could not do its work (bad input file, missing server...)."""
    USAGE = 2
    """The command line itself was wrong (argparse's own convention)."""
    CHECK_FAILED = 3
    """A verification ran and found a problem (a broken audit chain, a tampered evidence pack)."""
    ERROR_CTRL_C = 130
