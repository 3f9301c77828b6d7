"""Consistent backups of the whole installation, and restoring them into an empty database.

One archive (``.tar.gz``) holds:

- ``manifest.json``: what is inside, the database engine and format, the SHA-256 of every
  other member, the CivicShield version, and fingerprints of the encryption keys in use;
- the database: SQLite -> ``database.sqlite3`` made with SQLite's online backup API (a
  consistent copy while the app keeps running); PostgreSQL -> ``database.pgdump`` from
  ``pg_dump -Fc`` (one snapshot) or, when ``pg_dump`` is not installed, ``database.json``
  from Django's ``dumpdata`` inside one REPEATABLE READ transaction;
- ``uploads/...``: uploaded files (evidence, imports) from the data directory.

Secrets are left OUT by default: the encryption keys (which unlock stored platform tokens
and mailbox passwords). The site's secret key is never included (it only signs sessions:
a restored site without it signs everyone out, nothing more). A backup is a copy of the office's most
sensitive data; keeping the keys apart means a lost backup does not also give away the
accounts it connects to. Keep the keys separately (a password manager), or pass
``include_secrets=True`` (``civicshield backup --include-secrets``) and guard the archive
accordingly. The manifest records key fingerprints, so a restore can say when the keys
configured now cannot read the stored secrets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction

from civicshield import __version__

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
UPLOADS = "uploads"
# Tables that exist in a freshly migrated, never used database; anything else with rows
# means the database is in use.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

JSON_EXCLUDED = {"contenttypes.ContentType", "auth.Permission", "sessions.Session"}

ERROR_NOT_EMPTY = (
    "The database is not empty ({table} has rows). Restore into an empty database, or pass "
    "--force to replace everything in it."
)
ERROR_BAD_ARCHIVE = "This is not a CivicShield backup (no manifest.json inside)."
ERROR_CHECKSUM = "The backup is damaged: {name} does not match its SHA-256 in the manifest."
ERROR_ENGINE = (
    "This backup was made from {made} and cannot be restored into {target}. Restore it into "
    "the same kind of database."
)
ERROR_NEWER_FORMAT = "This backup was made by a newer CivicShield (format {version})."
ERROR_NO_PG_RESTORE = "pg_restore is not installed; install the PostgreSQL client tools."
WARNING_KEYS = (
    "The encryption keys configured now are not the ones this backup's secrets were stored "
    "with: connected accounts (tokens, mailbox passwords) must be reconnected, or restore the "
    "old keys into CIVICSHIELD_ENCRYPTION_KEYS."
)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the person running it."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    """Where the archive was written."""
    engine: str
    """The database engine backed up: "sqlite" or "postgresql"."""
    database_format: str
    """How the database is stored in the archive: "sqlite3", "pgdump" or "json"."""
    files: int
    """How many uploaded files went in."""
    secrets_included: bool
    """Whether the encryption keys and secret key are inside the archive."""


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    """The database engine restored into."""
    database_format: str
    """The format the database was restored from."""
    files: int
    """How many uploaded files were put back."""
    warnings: list[str] = field(default_factory=list)
    """Things the person restoring must know (e.g. keys that do not match)."""


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key_fingerprints() -> list[str]:
    from civicshield.web.encryption import _load_keys

    return [hashlib.sha256(key).hexdigest()[:16] for key in _load_keys()]


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _dump_database(engine: str, work: Path) -> Path:
    if engine == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)  # online and consistent, even while others write
        finally:
            copy.close()
            source.close()
        return target
    if shutil.which("pg_dump"):
        target = work / "database.pgdump"
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed program, arguments from our own settings
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
            + args,
            check=True,
            env=env,
            capture_output=True,
        )
        return target
    target = work / "database.json"
    with transaction.atomic():
        # One snapshot for every table, so that rows refer only to rows that are there too.
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with target.open("w") as handle:
            serializers.serialize(
                "json",
                _all_rows(),
                stream=handle,
                use_natural_foreign_keys=True,
                cls=_PreciseEncoder,
            )
    return target


class _PreciseEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; the audit log's hashes need every digit."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _all_rows() -> Iterator[Any]:
    """Every row of every model, parents before children, primary keys kept (the audit log
    hashes the ids it refers to). Content types and permissions are recreated by migrate and
    referred to by natural key; sessions are left out (a restore signs everyone out)."""
    app_list = [(config, None) for config in apps.get_app_configs()]
    for model in serializers.sort_dependencies(app_list, allow_cycles=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in JSON_EXCLUDED:
            continue
        yield from model._base_manager.order_by(meta.pk.name).iterator(chunk_size=2000)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _upload_files() -> Iterator[Path]:
    root = settings.DATA_DIR / UPLOADS
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def backup_create(path: Path, *, include_secrets: bool = False) -> BackupResult:
    """Write a consistent backup of the database and uploads to ``path`` (a .tar.gz)."""
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="civicshield-backup-") as tmp:
        work = Path(tmp)
        dump = _dump_database(engine, work)
        members: dict[str, Path] = {dump.name: dump}
        uploads = list(_upload_files())
        for upload in uploads:
            members[f"{UPLOADS}/{upload.relative_to(settings.DATA_DIR / UPLOADS)}"] = upload
        if include_secrets:
            from civicshield.web.encryption import _load_keys

            keys = work / "encryption_keys"
            keys.write_bytes(b"\n".join(_load_keys()) + b"\n")
            members["secrets/encryption_keys"] = keys
        manifest = {
            "format": FORMAT_VERSION,
            "civicshield": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "engine": engine,
            "database": dump.name,
            "secrets_included": include_secrets,
            "key_fingerprints": _key_fingerprints(),
            "sha256": {name: _sha256(file) for name, file in members.items()},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mode = 0o600
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, file in members.items():
                archive.add(str(file), arcname=name, recursive=False, filter=_private)
        partial.replace(path)  # a half-written archive never has the final name
    return BackupResult(path, engine, dump.suffix.lstrip("."), len(uploads), include_secrets)


def _first_table_with_rows() -> str | None:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in BOOKKEEPING_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - a table name from introspection
            if cursor.fetchone():
                return table
    return None


def _read_archive(path: Path, work: Path) -> dict[str, Any]:
    with tarfile.open(path, mode="r:gz") as archive:
        try:
            handle = archive.extractfile(MANIFEST)
        except KeyError as exc:
            raise BackupError(ERROR_BAD_ARCHIVE) from exc
        if handle is None:
            raise BackupError(ERROR_BAD_ARCHIVE)
        manifest: dict[str, Any] = json.loads(handle.read())
        if int(manifest.get("format", 0)) > FORMAT_VERSION:
            raise BackupError(ERROR_NEWER_FORMAT.format(version=manifest["format"]))
        # Only the members the manifest names are read, each to a path we build ourselves:
        # a crafted archive cannot write outside the work directory.
        for index, (name, expected) in enumerate(sorted(manifest["sha256"].items())):
            member = archive.extractfile(name)
            if member is None:
                raise BackupError(ERROR_CHECKSUM.format(name=name))
            target = work / f"{index:06d}"
            with target.open("wb") as out:
                shutil.copyfileobj(member, out)
            if _sha256(target) != expected:
                raise BackupError(ERROR_CHECKSUM.format(name=name))
            manifest.setdefault("_files", {})[name] = target
    return manifest


def _restore_sqlite(dump: Path) -> None:
    connections.close_all()
    target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
    source = sqlite3.connect(str(dump))
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_pgdump(dump: Path, *, replace: bool) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError(ERROR_NO_PG_RESTORE)
    connections.close_all()
    args, env = _pg_env()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", *args]
    if replace:
        command += ["--clean", "--if-exists"]
    subprocess.run(  # noqa: S603 - fixed program, arguments from our own settings
        [*command, str(dump)], check=True, env=env, capture_output=True
    )


def _restore_json(dump: Path) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    fixture = dump.with_suffix(".json")
    dump.replace(fixture)
    call_command("loaddata", str(fixture), verbosity=0)


def _wipe_postgres_for_json() -> None:
    # --force with a JSON backup: empty every table (the audit trigger is bypassed the way
    # a superuser restoring would), keeping the schema.
    with connection.cursor() as cursor:
        tables = [
            t for t in connection.introspection.table_names(cursor) if t not in BOOKKEEPING_TABLES
        ]
        if tables:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")


def backup_restore(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore a backup into the configured database, which must be empty unless ``force``.

    Checks every member's SHA-256 before touching anything. Afterwards the schema is
    migrated to this version of CivicShield; run ``audit_verify`` to check the audit log.
    """
    engine = _engine()
    with tempfile.TemporaryDirectory(prefix="civicshield-restore-") as tmp:
        manifest = _read_archive(path, Path(tmp))
        made = manifest["engine"]
        database = manifest["database"]
        database_format = Path(database).suffix.lstrip(".")
        portable = database_format == "json"
        if made != engine and not portable:
            raise BackupError(ERROR_ENGINE.format(made=made, target=engine))
        table = _first_table_with_rows()
        if table is not None and not force:
            raise BackupError(ERROR_NOT_EMPTY.format(table=table))
        files: dict[str, Path] = manifest["_files"]
        dump = files[database]
        if database_format == "sqlite3":
            _restore_sqlite(dump)
        elif database_format == "pgdump":
            _restore_pgdump(dump, replace=table is not None)
        else:
            if table is not None and engine == "postgresql":
                _wipe_postgres_for_json()
            elif table is not None:
                raise BackupError(ERROR_NOT_EMPTY.format(table=table))
            _restore_json(dump)
        call_command("migrate", interactive=False, verbosity=0)
        restored = 0
        for name, file in files.items():
            if not name.startswith(f"{UPLOADS}/"):
                continue
            relative = Path(name).relative_to(UPLOADS)
            if ".." in relative.parts or relative.is_absolute():
                continue
            target = settings.DATA_DIR / UPLOADS / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
            restored += 1
        warnings = []
        if "secrets/encryption_keys" in files:
            keys_file = settings.DATA_DIR / "encryption_keys"
            if not os.environ.get("CIVICSHIELD_ENCRYPTION_KEYS"):
                keys_file.write_bytes(files["secrets/encryption_keys"].read_bytes())
                keys_file.chmod(0o600)
                from civicshield.web.encryption import reset_keys_cache

                reset_keys_cache()
        if manifest.get("key_fingerprints") and not set(manifest["key_fingerprints"]) & set(
            _key_fingerprints()
        ):
            warnings.append(WARNING_KEYS)
    return RestoreResult(engine, database_format, restored, warnings)
