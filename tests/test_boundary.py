"""The core and its command-line commands must work without Django (DESIGN.md, STYLE.md section 1)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import civicshield.core

CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(civicshield.core.__path__, "civicshield.core.")
)


def test_core_modules_exist():
    assert "civicshield.core.batch" in CORE_MODULES


def test_importing_core_and_cli_never_imports_django():
    code = (
        "import sys, importlib\n"
        f"for name in {CORE_MODULES!r} + ['civicshield.cli', 'civicshield.connectors']:\n"
        "    importlib.import_module(name)\n"
        "from civicshield.cli import build_parser\n"
        "build_parser()\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"core imported Django: {result.stdout}"
