"""The ``civicshield`` command.

``main`` turns known failures into one clear line on stderr and an exit status;
``program`` just does the work. Each command noun lives in its own module here with two
functions, ``add_parser(subparsers)`` and ``run(args, env) -> int``. Modules import their
engines inside ``run`` so that ``civicshield abuse classify`` never loads Django.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from civicshield import __version__
from civicshield.cli.env import Environment
from civicshield.cli.status import ExitStatus

# noun -> module under civicshield.cli. Adding a command is one line here plus its module.
COMMANDS: dict[str, str] = {
    "abuse": "civicshield.cli.abuse",
    "mail": "civicshield.cli.mail",
    "privacy": "civicshield.cli.privacy",
    "passphrase": "civicshield.cli.passphrase",
    "serve": "civicshield.cli.web",
    "demo": "civicshield.cli.web",
    "worker": "civicshield.cli.web",
    "scheduler": "civicshield.cli.web",
    "backup": "civicshield.cli.backup",
    "restore": "civicshield.cli.backup",
    "manage": "civicshield.cli.web",
    "audit": "civicshield.cli.audit",
    "evidence": "civicshield.cli.evidence",
}


class CommandError(Exception):
    """A failure with a message for the person at the terminal (no traceback)."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.ERROR) -> None:
        super().__init__(message)
        self.status = status


def _available_modules() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for noun, path in COMMANDS.items():
        try:
            modules[noun] = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            # A command whose module is not in this build yet is simply not offered.
            if exc.name != path:
                raise
    return modules


class _Parser(argparse.ArgumentParser):
    """argparse, but writing help and usage errors to the injected streams."""

    env: Environment | None = None

    def _print_message(self, message: str, file: object = None) -> None:
        if message and self.env is not None:
            stream = (
                self.env.stderr if file is not None and file is not sys.stdout else self.env.stdout
            )
            stream.write(message)
        elif message:
            super()._print_message(message, file)  # type: ignore[arg-type]


def build_parser(
    env: Environment | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    _Parser.env = env
    parser = _Parser(
        prog="civicshield",
        description="Online-safety toolkit for elected representatives and their offices.",
    )
    parser.add_argument("--version", action="version", version=f"civicshield {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the full error trace when something fails"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    modules = _available_modules()
    added: set[int] = set()
    for module in modules.values():
        if id(module) not in added:
            module.add_parser(subparsers)
            added.add(id(module))
    return parser, modules


def program(args: argparse.Namespace, env: Environment, modules: dict[str, ModuleType]) -> int:
    """Run the chosen command; exceptions propagate."""
    return int(modules[args.command].run(args, env))


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Entry point of the ``civicshield`` console script; returns the exit status."""
    env = env or Environment()
    parser, modules = build_parser(env)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return program(args, env, modules)
    except KeyboardInterrupt:
        env.stderr.write("\nStopped.\n")
        return ExitStatus.ERROR_CTRL_C
    except CommandError as exc:
        if args.traceback:
            raise
        env.stderr.write(f"civicshield: {exc}\n")
        return exc.status
    except BrokenPipeError:
        # The reader of our output went away (``| head``): not an error worth a trace.
        return ExitStatus.SUCCESS
