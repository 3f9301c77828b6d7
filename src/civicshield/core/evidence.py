"""Evidence packs: a ZIP a police officer or a platform can check has not been changed.

A pack holds ``manifest.json`` (every other file's name, size and SHA-256, the tool version,
and a SHA-256 over the manifest's own body), ``items.json`` (the recorded items),
``summary.pdf`` (the readable summary), ``originals/<n>.bin`` (each item's stored original,
byte for byte) and ``screenshots/...``. ``verify_pack`` re-reads a pack and names, in plain
words, every file that is missing, extra or changed.

Also here: the canonical encoding of a post's original when the platform gave no raw bytes
(``encode_original``/``decode_original``), so that the SHA-256 recorded at capture can be
recomputed by anyone from the pack alone. No Django: the CLI uses this module directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from civicshield import __version__

PACK_FORMAT = "civicshield-evidence-pack/1"
ORIGINAL_FORMAT = "civicshield-original/1"
EMAIL_FORMAT = "rfc5322"
MANIFEST = "manifest.json"
ITEMS = "items.json"
SUMMARY = "summary.pdf"
RESERVED = (MANIFEST, ITEMS, SUMMARY)
# Fixed member time: the same contents always give the same ZIP bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20

ERROR_NOT_ZIP = (
    "This file is not a ZIP archive, or it is damaged: it cannot be an intact evidence pack."
)
ERROR_NO_MANIFEST = "The pack has no manifest.json, so nothing in it can be checked."
ERROR_BAD_MANIFEST = "manifest.json cannot be read (it is not the manifest this tool writes)."
ERROR_MANIFEST_ALTERED = (
    "manifest.json has been altered: its own SHA-256 does not match its contents."
)
ERROR_MISSING = "{name} is listed in the manifest but missing from the pack."
ERROR_EXTRA = "{name} is in the pack but not listed in the manifest (it was added later)."
ERROR_CHANGED = "{name} has been changed: its SHA-256 does not match the manifest."
ERROR_DAMAGED = "{name} is damaged and cannot be read ({reason})."
ERROR_DUPLICATE = "{name} appears more than once in the pack."
ERROR_ITEM_ORIGINAL = (
    "Item {number}: its original ({name}) does not match the SHA-256 recorded when it was captured."
)
ERROR_BAD_FILE_NAME = "File names in a pack must be relative paths without '..': {name!r}"
ERROR_RESERVED_NAME = "{name} is written by the pack itself and cannot be passed as a file."
ERROR_NOT_ORIGINAL = "These bytes are not a CivicShield original (format {format})."


@dataclass(frozen=True)
class PackReport:
    """The result of checking an evidence pack."""

    ok: bool
    """True when every file is present, unchanged, and nothing was added."""
    checked: tuple[str, ...]
    """The files whose SHA-256 was checked against the manifest (in manifest order)."""
    problems: tuple[str, ...]
    """Each problem in plain words; empty when the pack is intact."""
    manifest_sha256: str = ""
    """The manifest's own SHA-256 (as written in it); quote it to match the office's audit log."""
    tool_version: str = ""
    """The CivicShield version that wrote the pack."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """One fixed byte encoding of a JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


# --- originals -----------------------------------------------------------------------------


def encode_original(text: str, fields: Mapping[str, Any]) -> bytes:
    """The stored original of a post that came without raw bytes: its text, then its fields.

    Layout (all UTF-8)::

        civicshield-original/1
        text-bytes: <n>
        <blank line>
        <exactly n bytes: the text as received>
        <newline>
        <canonical JSON of the platform fields>

    The text is kept byte for byte (never escaped), and the length makes the split exact
    whatever the text contains.
    """
    body = text.encode("utf-8")
    header = f"{ORIGINAL_FORMAT}\ntext-bytes: {len(body)}\n\n".encode("ascii")
    return header + body + b"\n" + canonical_json(dict(fields))


def decode_original(data: bytes) -> tuple[str, dict[str, Any]]:
    """Split bytes written by ``encode_original`` back into (text, fields); ``ValueError`` if not."""
    head, sep, rest = data.partition(b"\n\n")
    lines = head.decode("ascii", errors="replace").split("\n")
    if not sep or len(lines) != 2 or lines[0] != ORIGINAL_FORMAT:
        raise ValueError(ERROR_NOT_ORIGINAL.format(format=lines[0][:40] if lines else "?"))
    key, _, value = lines[1].partition(": ")
    if key != "text-bytes" or not value.isdigit():
        raise ValueError(ERROR_NOT_ORIGINAL.format(format=ORIGINAL_FORMAT))
    size = int(value)
    if len(rest) < size + 1 or rest[size : size + 1] != b"\n":
        raise ValueError(ERROR_NOT_ORIGINAL.format(format=ORIGINAL_FORMAT))
    fields = json.loads(rest[size + 1 :].decode("utf-8"))
    if not isinstance(fields, dict):
        raise ValueError(ERROR_NOT_ORIGINAL.format(format=ORIGINAL_FORMAT))
    return rest[:size].decode("utf-8"), fields


# --- building -------------------------------------------------------------------------------


def _check_name(name: str) -> None:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(ERROR_BAD_FILE_NAME.format(name=name))
    if name in RESERVED:
        raise ValueError(ERROR_RESERVED_NAME.format(name=name))


def manifest_body_sha256(manifest: Mapping[str, Any]) -> str:
    """The SHA-256 over the manifest without its own ``manifest_sha256`` field."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return sha256_hex(canonical_json(body))


def build_pack(
    items: Sequence[Mapping[str, Any]],
    files: Mapping[str, bytes],
    summary_pdf: bytes,
    *,
    created: dt.datetime | None = None,
    tool_version: str = __version__,
) -> bytes:
    """Write an evidence pack and return the ZIP's bytes.

    ``items`` go to ``items.json``; ``files`` maps names such as ``originals/1.bin`` or
    ``screenshots/1-post.png`` to their bytes; ``summary_pdf`` becomes ``summary.pdf``.
    ``created`` (aware) is written into the manifest; leave it out for byte-identical packs.
    """
    for name in files:
        _check_name(name)
    contents: dict[str, bytes] = {
        ITEMS: json.dumps(
            list(items), indent=2, sort_keys=True, ensure_ascii=False, default=str
        ).encode("utf-8"),
        SUMMARY: summary_pdf,
    }
    contents.update(sorted(files.items()))
    manifest: dict[str, Any] = {
        "format": PACK_FORMAT,
        "tool": "CivicShield",
        "tool_version": tool_version,
        "hash_algorithm": "SHA-256",
        "files": [
            {"name": name, "size": len(data), "sha256": sha256_hex(data)}
            for name, data in contents.items()
        ],
    }
    if created is not None:
        manifest["created"] = created.astimezone(dt.UTC).isoformat()
    manifest["manifest_sha256"] = manifest_body_sha256(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [
            (MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")),
            *contents.items(),
        ]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# --- verifying ------------------------------------------------------------------------------


def _member_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any] | str:
    try:
        data = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError):
        return ERROR_BAD_MANIFEST
    files = data.get("files") if isinstance(data, dict) else None
    if (
        not isinstance(files, list)
        or not all(
            isinstance(f, dict)
            and isinstance(f.get("name"), str)
            and isinstance(f.get("sha256"), str)
            for f in files
        )
        or not isinstance(data.get("manifest_sha256"), str)
    ):
        return ERROR_BAD_MANIFEST
    return data  # type: ignore[no-any-return]


def _check_items(
    archive: zipfile.ZipFile, present: Mapping[str, zipfile.ZipInfo], hashes: Mapping[str, str]
) -> list[str]:
    """Cross-check each item's recorded SHA-256 against its original file in the pack."""
    if ITEMS not in present:
        return []
    try:
        items = json.loads(archive.read(present[ITEMS]).decode("utf-8"))
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError):
        return []  # the manifest check already reports a damaged items.json
    problems = []
    for number, item in enumerate(items if isinstance(items, list) else [], start=1):
        if not isinstance(item, dict):
            continue
        name, recorded = item.get("original_file"), item.get("sha256")
        if isinstance(name, str) and isinstance(recorded, str) and name in hashes:
            if hashes[name] != recorded:
                problems.append(ERROR_ITEM_ORIGINAL.format(number=number, name=name))
    return problems


def verify_pack(data: bytes) -> PackReport:
    """Check an evidence pack: every listed file present and unchanged, nothing added.

    Never raises on a bad pack; every finding is a plain-words problem in the report.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return PackReport(False, (), (ERROR_NOT_ZIP,))
    with archive:
        problems: list[str] = []
        present: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.filename in present:
                problems.append(ERROR_DUPLICATE.format(name=info.filename))
            present[info.filename] = info
        if MANIFEST not in present:
            return PackReport(False, (), (*problems, ERROR_NO_MANIFEST))
        manifest = _read_manifest(archive)
        if isinstance(manifest, str):
            return PackReport(False, (), (*problems, manifest))
        recorded_hash = str(manifest["manifest_sha256"])
        if manifest_body_sha256(manifest) != recorded_hash:
            problems.append(ERROR_MANIFEST_ALTERED)
        checked: list[str] = []
        hashes: dict[str, str] = {}
        listed: set[str] = set()
        for entry in manifest["files"]:
            name = entry["name"]
            listed.add(name)
            if name not in present:
                problems.append(ERROR_MISSING.format(name=name))
                continue
            try:
                actual = _member_sha256(archive, present[name])
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                # A flipped byte inside the compressed data fails the ZIP's own CRC check.
                problems.append(ERROR_DAMAGED.format(name=name, reason=str(exc) or "unreadable"))
                continue
            checked.append(name)
            hashes[name] = actual
            if actual != entry["sha256"]:
                problems.append(ERROR_CHANGED.format(name=name))
        for name in present:
            if name != MANIFEST and name not in listed:
                problems.append(ERROR_EXTRA.format(name=name))
        problems.extend(_check_items(archive, present, hashes))
    return PackReport(
        ok=not problems,
        checked=tuple(checked),
        problems=tuple(problems),
        manifest_sha256=recorded_hash,
        tool_version=str(manifest.get("tool_version", "")),
    )


__all__ = [
    "EMAIL_FORMAT",
    "ORIGINAL_FORMAT",
    "PACK_FORMAT",
    "PackReport",
    "build_pack",
    "canonical_json",
    "decode_original",
    "encode_original",
    "manifest_body_sha256",
    "sha256_hex",
    "verify_pack",
]
