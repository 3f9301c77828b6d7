"""``civicshield evidence verify``: exit 0 intact, 3 tampered, 1 unreadable; problems in words."""

from __future__ import annotations

import io
import json
import zipfile

from civicshield.cli.status import ExitStatus
from civicshield.core.evidence import (
    ERROR_CHANGED,
    ERROR_EXTRA,
    ERROR_MANIFEST_ALTERED,
    ERROR_MISSING,
    ERROR_NOT_ZIP,
    build_pack,
    encode_original,
    sha256_hex,
)
from tests.helpers import run_cli

ORIGINAL = encode_original("I know where your office is", {"platform": "bluesky"})


def _pack(tmp_path, change=None):
    data = build_pack(
        [{"number": 1, "original_file": "originals/1.bin", "sha256": sha256_hex(ORIGINAL)}],
        {"originals/1.bin": ORIGINAL, "screenshots/1-profile.png": b"png bytes"},
        b"%PDF-1.7",
    )
    if change is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        change(members)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    return str(path)


def test_an_intact_pack_exits_zero(tmp_path):
    result = run_cli("evidence", "verify", _pack(tmp_path))
    assert result.exit_status == ExitStatus.SUCCESS
    assert result.stdout.startswith("Evidence pack intact: 4 files checked")


def test_a_tampered_byte_exits_three_and_names_the_file(tmp_path):
    def tamper(members):
        members["originals/1.bin"] = members["originals/1.bin"][:-1] + b"X"

    result = run_cli("evidence", "verify", _pack(tmp_path, tamper))
    assert result.exit_status == ExitStatus.CHECK_FAILED == 3
    assert f"PROBLEM: {ERROR_CHANGED.format(name='originals/1.bin')}" in result.stdout
    assert "Evidence pack check FAILED" in result.stdout


def test_a_removed_file_exits_three(tmp_path):
    result = run_cli(
        "evidence", "verify", _pack(tmp_path, lambda m: m.pop("screenshots/1-profile.png"))
    )
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert ERROR_MISSING.format(name="screenshots/1-profile.png") in result.stdout


def test_an_added_file_exits_three(tmp_path):
    result = run_cli(
        "evidence", "verify", _pack(tmp_path, lambda m: m.update({"notes.txt": b"added"}))
    )
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert ERROR_EXTRA.format(name="notes.txt") in result.stdout


def test_an_edited_manifest_exits_three(tmp_path):
    def edit(members):
        manifest = json.loads(members["manifest.json"])
        manifest["tool_version"] = "9.9.9"
        members["manifest.json"] = json.dumps(manifest).encode()

    result = run_cli("evidence", "verify", _pack(tmp_path, edit))
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert ERROR_MANIFEST_ALTERED in result.stdout


def test_not_a_zip_exits_three(tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(b"hello")
    result = run_cli("evidence", "verify", str(path))
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert ERROR_NOT_ZIP in result.stdout


def test_a_file_that_cannot_be_read_exits_one(tmp_path):
    result = run_cli("evidence", "verify", str(tmp_path / "missing.zip"))
    assert result.exit_status == ExitStatus.ERROR == 1
    assert "cannot read" in result.stderr
    assert result.stdout == ""
