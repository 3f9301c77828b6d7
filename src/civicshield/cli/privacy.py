"""``civicshield privacy``: find personal information in posts and photos before they go out.

    civicshield privacy scan posts.jsonl photo.jpg     # JSONL out, one line per post or photo
    civicshield privacy scan --format text - < drafts.txt
    civicshield privacy scan --private office.json posts.csv
    civicshield privacy strip photo.jpg --output clean.jpg

Text input is read like ``abuse classify`` (JSONL with ``id`` and ``text``, CSV with a ``text``
column, or ``--format text``, one post a line); images (JPEG, PNG, WebP, GIF, AVIF; HEIC
where pillow-heif is installed) are recognised by their first bytes or extension. Output:
``{"id" (or "path"), "findings": [{"kind", "span", "detail", "severity"}]}``, images also
with ``"metadata"``. A bad post or file gives an ``"error"`` line and the run goes on; the
exit status is 1 when any whole file could not be read.

The ``--private`` file is JSON: ``{"names": {"Sophie": "child", "Acacia Avenue": "home
street"}, "allowed": ["020 7946 0123", "office@example.org"]}`` (``names`` may also be a list).
"""

from __future__ import annotations

import argparse
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from civicshield.cli.env import Environment
from civicshield.cli.output import ProgressReader, write_jsonl
from civicshield.cli.status import ExitStatus

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".heic", ".heif")

ERROR_NO_SUCH_FILE = "no such file"
ERROR_IS_DIRECTORY = "this is a folder, not a file: name the files inside it"
ERROR_CANNOT_READ = "the file cannot be read"
ERROR_PRIVATE_FILE = (
    "the --private file must be JSON like "
    '{"names": {"Sophie": "child"}, "allowed": ["020 7946 0123"]}'
)
ERROR_OUTPUT_EXISTS = "the output file already exists; choose another name or add --force"
ERROR_SAME_FILE = "the output must be a different file from the input"


def _region(value: str) -> str:
    import phonenumbers

    from civicshield.core.privacy import ERROR_UNKNOWN_REGION

    if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise argparse.ArgumentTypeError(ERROR_UNKNOWN_REGION)
    return value.upper()


def add_parser(subparsers: Any) -> None:
    from civicshield.core.batch import FORMATS

    parser = subparsers.add_parser(
        "privacy",
        help="find personal information in posts and photos before they are published",
        description="Find phone numbers, addresses, family names, live locations and photo "
        "metadata in posts before they are published.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    scan = actions.add_parser(
        "scan",
        help="scan posts (JSONL, CSV, text) and photos; print JSONL findings",
        description="Scan posts and photos for personal information. Prints one JSON line "
        "per post or photo, in input order.",
    )
    scan.add_argument(
        "paths", nargs="*", metavar="PATH", help="files to scan; '-' or nothing reads stdin"
    )
    scan.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="how text input is laid out (default: guess from the name or first line)",
    )
    scan.add_argument(
        "--private",
        metavar="FILE",
        help="JSON file with the office's private names and allowed public contact details",
    )
    scan.add_argument(
        "--region",
        type=_region,
        default="GB",
        metavar="CC",
        help="country for phone numbers written without a country code (default GB)",
    )
    strip = actions.add_parser(
        "strip",
        help="write a copy of a photo without its metadata (GPS, device, time)",
        description="Write a copy of a photo without EXIF, XMP, IPTC or GPS metadata, "
        "turned the right way up, in the same format.",
    )
    strip.add_argument("image", metavar="IMAGE", help="the photo to clean")
    strip.add_argument("--output", "-o", required=True, metavar="FILE", help="where to write it")
    strip.add_argument("--force", action="store_true", help="overwrite the output file")


def _load_private(path: str | None) -> Any:
    from civicshield.cli import CommandError
    from civicshield.core.privacy import PrivateList

    if not path:
        return PrivateList()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        names = data.get("names", [])
        allowed = data.get("allowed", [])
        if not isinstance(names, (dict, list)) or not isinstance(allowed, list):
            raise TypeError(path)
        if isinstance(names, list) and not all(isinstance(n, str) for n in names):
            raise TypeError(path)
        return PrivateList.build(
            {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else names,
            allowed=[str(item) for item in allowed],
        )
    except (OSError, ValueError, TypeError, AttributeError):
        raise CommandError(ERROR_PRIVATE_FILE) from None


def _peekable(stream: BinaryIO) -> io.BufferedReader:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(stream)  # type: ignore[arg-type]


def _image_record(label: str, data: bytes) -> dict[str, Any]:
    from civicshield.core.privacy import ImageError, scan_image

    try:
        report = scan_image(data)
    except ImageError as exc:
        return {"path": label, "error": str(exc)}
    return {
        "path": label,
        "findings": [finding.to_dict() for finding in report.findings],
        "metadata": report.metadata_dict(),
    }


def _text_records(
    stream: BinaryIO, label: str, args: argparse.Namespace, private: Any
) -> Iterator[dict[str, Any]]:
    from civicshield.core.batch import InputFormatError, TextItem, read_text_items, run_batch
    from civicshield.core.privacy import scan_text

    def analyse(item: TextItem) -> dict[str, Any]:
        findings = scan_text(item.text, private=private, region=args.region)
        return {"findings": [finding.to_dict() for finding in findings]}

    name = None if label == "-" else label
    try:
        items = read_text_items(stream, args.format, name=name)
        yield from run_batch(items, analyse)
    except InputFormatError as exc:
        yield {"path": label, "error": str(exc)}


class _Scan:
    """One ``privacy scan`` run: yields records and remembers whether a whole file failed."""

    def __init__(self, args: argparse.Namespace, env: Environment) -> None:
        self.args = args
        self.env = env
        self.private = _load_private(args.private)
        self.file_failed = False

    def records(self) -> Iterator[dict[str, Any]]:
        for path in self.args.paths or ["-"]:
            for record in self._one(path):
                if "path" in record and "error" in record:
                    self.file_failed = True
                yield record

    def _one(self, path: str) -> Iterator[dict[str, Any]]:
        from civicshield.core.privacy import is_image
        from civicshield.core.privacy.images import ERROR_FILE_TOO_LARGE, MAX_IMAGE_BYTES

        if path == "-":
            stream = _peekable(self.env.stdin)
            if self.args.format == "auto" and is_image(stream.peek(16)[:16]):
                yield _image_record("-", stream.read(MAX_IMAGE_BYTES + 1))
            else:
                yield from _text_records(stream, "-", self.args, self.private)
            return
        target = Path(path)
        if target.is_dir():
            yield {"path": path, "error": ERROR_IS_DIRECTORY}
            return
        try:
            raw = target.open("rb")
        except FileNotFoundError:
            yield {"path": path, "error": ERROR_NO_SUCH_FILE}
            return
        except OSError:
            yield {"path": path, "error": ERROR_CANNOT_READ}
            return
        with raw:
            head = raw.read(16)
            raw.seek(0)
            image = is_image(head) or target.suffix.lower() in IMAGE_EXTENSIONS
            if image and self.args.format == "auto":
                if os.fstat(raw.fileno()).st_size > MAX_IMAGE_BYTES:
                    yield {"path": path, "error": ERROR_FILE_TOO_LARGE}
                    return
                yield _image_record(path, raw.read(MAX_IMAGE_BYTES + 1))
                return
            reader = ProgressReader(raw, self.env, label=target.name)
            try:
                yield from _text_records(reader, path, self.args, self.private)  # type: ignore[arg-type]
            finally:
                reader.close()


def _strip(args: argparse.Namespace, env: Environment) -> int:
    from civicshield.cli import CommandError
    from civicshield.core.privacy import ImageError, strip_image_metadata
    from civicshield.core.privacy.images import ERROR_FILE_TOO_LARGE, MAX_IMAGE_BYTES

    source, target = Path(args.image), Path(args.output)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise CommandError(ERROR_SAME_FILE, ExitStatus.USAGE)
    if target.exists() and not args.force:
        raise CommandError(ERROR_OUTPUT_EXISTS, ExitStatus.USAGE)
    try:
        if source.stat().st_size > MAX_IMAGE_BYTES:
            raise CommandError(f"{args.image}: {ERROR_FILE_TOO_LARGE}")
        data = source.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{args.image}: {ERROR_NO_SUCH_FILE}") from None
    except IsADirectoryError:
        raise CommandError(f"{args.image}: {ERROR_IS_DIRECTORY}") from None
    except OSError:
        raise CommandError(f"{args.image}: {ERROR_CANNOT_READ}") from None
    try:
        clean = strip_image_metadata(data)
    except ImageError as exc:
        raise CommandError(f"{args.image}: {exc}") from None
    target.write_bytes(clean)
    env.stderr.write(f"Wrote {args.output} without metadata.\n")
    return ExitStatus.SUCCESS


def run(args: argparse.Namespace, env: Environment) -> int:
    if args.action == "strip":
        return _strip(args, env)
    scan = _Scan(args, env)
    for record in scan.records():
        write_jsonl([record], env.stdout)
    return ExitStatus.ERROR if scan.file_failed else ExitStatus.SUCCESS
