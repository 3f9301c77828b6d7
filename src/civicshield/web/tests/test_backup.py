"""``civicshield backup`` / ``restore``: a backup restored into an empty database holds the same
data, the audit log verifies, and a database in use is not overwritten by mistake.

Each test runs the real command line in subprocesses against databases of its own (SQLite
files; on PostgreSQL, fresh databases on the server DATABASE_URL points at), because a
backup must see committed data, not the test transaction."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from civicshield.web.backup import ERROR_BAD_ARCHIVE, ERROR_CHECKSUM

SEED = """
from civicshield.web.testing import make_cast, make_message
from civicshield.web.inbox.services import api_token_create
cast = make_cast()
for n in range(5):
    make_message(cast.office_a, f"You are a disgrace, resign now {n}", author=f"@t{n}")
make_message(cast.office_b, "I know where you live. I am going to kill you")
api_token_create(member=cast.manager, name="bridge")
"""
DUMP_ARGS = [
    "dumpdata",
    "--natural-foreign",
    "--natural-primary",
    "-e",
    "contenttypes",
    "-e",
    "auth.permission",
    "-e",
    "sessions",
    "-e",
    "axes",
]


def _cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "civicshield", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        pytest.fail(f"civicshield {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _environment(data_dir: Path, database_url: str | None, keys: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["CIVICSHIELD_DATA_DIR"] = str(data_dir)
    env["CIVICSHIELD_ENCRYPTION_KEYS"] = keys
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _snapshot(env: dict[str, str]) -> list[dict[str, object]]:
    rows = json.loads(_cli(env, "manage", *DUMP_ARGS).stdout)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


@pytest.fixture
def keys() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _round_trip(tmp_path: Path, source_env: dict[str, str], target_env: dict[str, str]) -> str:
    _cli(source_env, "manage", "migrate", "-v", "0")
    _cli(source_env, "manage", "shell", "-c", SEED)
    uploads = Path(source_env["CIVICSHIELD_DATA_DIR"]) / "uploads" / "evidence"
    uploads.mkdir(parents=True)
    (uploads / "screenshot.png").write_bytes(b"\x89PNG fake screenshot")
    archive = tmp_path / "backup.tar.gz"
    made = _cli(source_env, "backup", str(archive))
    assert "NOT inside" in made.stdout
    restored = _cli(target_env, "restore", str(archive))
    assert "Audit log intact" in restored.stdout
    assert _snapshot(target_env) == _snapshot(source_env)
    copied = Path(target_env["CIVICSHIELD_DATA_DIR"]) / "uploads" / "evidence" / "screenshot.png"
    assert copied.read_bytes() == b"\x89PNG fake screenshot"
    # The stored (encrypted) API token hash and the audit log came across intact.
    check = _cli(
        target_env,
        "manage",
        "shell",
        "-c",
        "from civicshield.web.inbox.models import ApiToken, Message;"
        "print(ApiToken.objects.count(), Message.objects.count())",
    )
    assert check.stdout.split()[-2:] == ["1", "6"]
    # Restoring again into the database now in use is refused.
    again = _cli(target_env, "restore", str(archive), check=False)
    assert again.returncode != 0 and "not empty" in again.stderr
    return str(archive)


def test_a_sqlite_backup_restores_into_an_empty_database_identically(tmp_path, keys):
    source = _environment(tmp_path / "source", None, keys)
    target = _environment(tmp_path / "target", None, keys)
    archive = _round_trip(tmp_path, source, target)
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.loads(opened.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert "database.sqlite3" in names and "uploads/evidence/screenshot.png" in names
    assert not any(n.startswith("secrets/") for n in names)
    assert manifest["engine"] == "sqlite" and set(manifest["sha256"]) == set(names) - {
        "manifest.json"
    }


def test_a_damaged_or_foreign_archive_is_refused_before_anything_changes(tmp_path, keys):
    env = _environment(tmp_path / "data", None, keys)
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        archive.add(__file__, arcname="database.sqlite3")
    result = _cli(env, "restore", str(foreign), check=False)
    assert result.returncode != 0 and ERROR_BAD_ARCHIVE in result.stderr

    _cli(env, "manage", "migrate", "-v", "0")
    good = tmp_path / "good.tar.gz"
    _cli(env, "backup", str(good))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(good) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "database.sqlite3":
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    empty = _environment(tmp_path / "empty", None, keys)
    result = _cli(empty, "restore", str(damaged), check=False)
    assert result.returncode != 0
    assert ERROR_CHECKSUM.format(name="database.sqlite3") in result.stderr


def test_secrets_go_in_only_when_asked_and_then_are_restored(tmp_path, keys):
    source = _environment(tmp_path / "source", None, keys)
    _cli(source, "manage", "migrate", "-v", "0")
    archive = tmp_path / "with-keys.tar.gz"
    made = _cli(source, "backup", "--include-secrets", str(archive))
    assert "ARE inside" in made.stdout
    with tarfile.open(archive) as opened:
        assert opened.extractfile("secrets/encryption_keys").read().strip() == keys.encode()  # type: ignore[union-attr]
    target = _environment(tmp_path / "target", None, "")
    del target["CIVICSHIELD_ENCRYPTION_KEYS"]
    restored = _cli(target, "restore", str(archive))
    assert "Warning" not in restored.stderr
    assert (tmp_path / "target" / "encryption_keys").read_text().strip() == keys


def test_restoring_with_other_keys_warns_that_stored_secrets_cannot_be_read(tmp_path, keys):
    from cryptography.fernet import Fernet

    source = _environment(tmp_path / "source", None, keys)
    _cli(source, "manage", "migrate", "-v", "0")
    archive = tmp_path / "b.tar.gz"
    _cli(source, "backup", str(archive))
    target = _environment(tmp_path / "target", None, Fernet.generate_key().decode())
    restored = _cli(target, "restore", str(archive))
    assert "encryption keys configured now are not the ones" in restored.stderr


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture
def postgres_databases():
    url = _postgres_url()
    if not url:
        pytest.skip("DATABASE_URL is not PostgreSQL (the CI's PostgreSQL profile runs this)")
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    names = [f"civicshield_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE DATABASE {name}")
    yield [urlunsplit(parts._replace(path=f"/{name}")) for name in names]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("with_pg_dump", [True, False], ids=["pg_dump", "dumpdata"])
def test_a_postgres_backup_restores_into_an_empty_database_identically(
    tmp_path, keys, postgres_databases, with_pg_dump
):
    if with_pg_dump and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    source_url, target_url = postgres_databases
    source = _environment(tmp_path / "source", source_url, keys)
    target = _environment(tmp_path / "target", target_url, keys)
    if not with_pg_dump:
        # Without the PostgreSQL client tools: Django's dumpdata in one REPEATABLE READ snapshot.
        bare = tmp_path / "bin"
        bare.mkdir()
        source["PATH"] = target["PATH"] = str(bare)
    archive = _round_trip(tmp_path, source, target)
    with tarfile.open(archive) as opened:
        expected = "database.pgdump" if with_pg_dump else "database.json"
        assert expected in opened.getnames()
