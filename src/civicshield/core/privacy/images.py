"""Photos: read the metadata that gives people away, and strip it before upload.

A phone photo usually carries the GPS position where it was taken (to a few metres), the
time, and the make, model and sometimes serial number of the phone. ``scan_image`` reads and
explains these; ``strip_image_metadata`` re-encodes the picture without any of them (EXIF,
XMP, IPTC, GPS, comments, text chunks), with its orientation applied so it still shows the
right way up, in the same format. Faces and landmarks in the picture itself are out of scope.

Both refuse files that are not images, damaged images, and images so large that decoding
them could exhaust memory ("decompression bombs"), with an ``ImageError`` whose message is
one of the ``ERROR_*`` constants.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError
from PIL.JpegImagePlugin import get_sampling

from civicshield.core.findings import Severity
from civicshield.core.privacy.model import IMAGE_DEVICE, IMAGE_GPS, PrivacyFinding

try:  # HEIC/HEIF (iPhone photos) only where the optional pillow-heif package is installed.
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_SUPPORTED = False
else:  # pragma: no cover
    register_heif_opener()
    HEIF_SUPPORTED = True

MAX_IMAGE_BYTES = 40 * 1024 * 1024
"""Larger uploads are refused before they are opened."""
MAX_IMAGE_PIXELS = 64_000_000
"""Width x height above this is refused before decoding (a 64-megapixel photo is ~190 MB)."""
MAX_FRAMES = 300
"""Animated images with more frames than this are refused."""

# The decoders we allow; Pillow is not asked to try its other, rarer ones on uploads.
SUPPORTED_FORMATS: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "AVIF") + (
    ("HEIF",) if HEIF_SUPPORTED else ()
)
_SAVE_FORMAT = {"MPO": "JPEG"}
# Colour profile and transparency are kept: they change how the picture looks, not who took it.
_KEEP_INFO = ("icc_profile", "transparency")

ERROR_NOT_AN_IMAGE = "this file is not an image CivicShield can read (JPEG, PNG, WebP, GIF, AVIF)"
ERROR_UNSUPPORTED_FORMAT = (
    "this image format is not supported here; save it as JPEG or PNG and try again"
)
ERROR_IMAGE_CORRUPT = "the image is damaged or incomplete and cannot be read"
ERROR_IMAGE_TOO_LARGE = (
    f"the image has too many pixels (more than {MAX_IMAGE_PIXELS // 1_000_000} megapixels "
    "or too many frames); make it smaller and try again"
)
ERROR_FILE_TOO_LARGE = (
    f"the file is too large (more than {MAX_IMAGE_BYTES // (1024 * 1024)} MB); "
    "make it smaller and try again"
)

DETAIL_GPS = (
    "This photo records where it was taken: {lat:.5f}, {lon:.5f}, a map pin accurate to a few "
    "metres{when}. If it was taken at home or at a child's school, it gives the place away. "
    "CivicShield removes it on upload; remove it before posting the photo anywhere else."
)
DETAIL_DEVICE = (
    "This photo names the device that took it ({device}). On its own that is minor, but it "
    "links photos to one phone; CivicShield removes it on upload."
)
DETAIL_DEVICE_OWNER = (
    "This photo names the device that took it and who it belongs to ({device}). A serial "
    "number or owner name ties the photo to one person; CivicShield removes it on upload."
)

_MAGIC = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
)


class ImageError(ValueError):
    """An image that cannot be scanned or stripped; ``str(error)`` is an ``ERROR_*`` constant."""


@dataclass(frozen=True, slots=True)
class GpsPosition:
    """Where a photo was taken, as written in its metadata."""

    latitude: float
    """Decimal degrees, north positive (51.50101 is London)."""
    longitude: float
    """Decimal degrees, east positive (-0.14159 is just west of Greenwich)."""
    altitude: float | None = None
    """Metres above sea level, when recorded."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "latitude": round(self.latitude, 6),
            "longitude": round(self.longitude, 6),
            "altitude": None if self.altitude is None else round(self.altitude, 1),
        }


@dataclass(frozen=True, slots=True)
class ImageReport:
    """What a photo's metadata says, and what of it is a privacy problem."""

    format: str
    """The file's format as Pillow names it: JPEG, PNG, WEBP, GIF, AVIF, HEIF."""
    width: int
    """Width in pixels, as stored (before orientation is applied)."""
    height: int
    """Height in pixels, as stored."""
    gps: GpsPosition | None
    """Where it was taken, if recorded."""
    make: str | None
    """Device maker ("Apple"), if recorded."""
    model: str | None
    """Device model ("iPhone 13"), if recorded."""
    software: str | None
    """Software that wrote the file ("17.2.1", "Adobe Photoshop"), if recorded."""
    serial_number: str | None
    """The camera's or lens's serial number, if recorded."""
    owner_name: str | None
    """The owner's name stored by some cameras, if recorded."""
    captured_at: str | None
    """When it was taken, as the camera's clock said ("2024-05-04 09:12:30"; often no time zone)."""
    other_metadata: tuple[str, ...]
    """Other metadata present, named: "EXIF", "XMP", "IPTC", "comment", "PNG text: Author"."""
    findings: tuple[PrivacyFinding, ...]
    """The privacy problems: ``image_gps`` and ``image_device`` findings."""

    def metadata_dict(self) -> dict[str, Any]:
        """The metadata as plain data (everything but the findings)."""
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "gps": None if self.gps is None else self.gps.to_dict(),
            "make": self.make,
            "model": self.model,
            "software": self.software,
            "serial_number": self.serial_number,
            "owner_name": self.owner_name,
            "captured_at": self.captured_at,
            "other_metadata": list(self.other_metadata),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the metadata plus ``findings``."""
        return {
            **self.metadata_dict(),
            "findings": [finding.to_dict() for finding in self.findings],
        }


def is_image(head: bytes) -> bool:
    """True when the first bytes of a file look like an image format we read."""
    if head.startswith(_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (
        b"avif",
        b"avis",
        b"heic",
        b"heix",
        b"mif1",
        b"msf1",
        b"hevc",
    )


def _openers() -> list[str]:
    # Multi-picture JPEGs (MPO) are opened by the JPEG opener, which has no MPO entry.
    Image.init()
    return [name for name in SUPPORTED_FORMATS if name in Image.OPEN]


# WeasyPrint (the PDF writer) turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is
# imported, which would let a damaged upload through as a half-grey picture. Decoding here turns
# it off for the time of the ``with`` block, one image at a time, and puts it back after.
_STRICT = threading.RLock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@contextmanager
def open_image(data: bytes) -> Iterator[Image.Image]:
    """Open ``data`` as an image after the size checks; turn every failure into an ImageError.

    Damaged images are refused while the ``with`` block runs (see ``_strict_decoding``)."""
    with _strict_decoding():
        with _open_checked(data) as image:
            yield image


@contextmanager
def _open_checked(data: bytes) -> Iterator[Image.Image]:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(ERROR_FILE_TOO_LARGE)
    try:
        image = Image.open(io.BytesIO(data), formats=_openers())
    except Image.DecompressionBombError:
        raise ImageError(ERROR_IMAGE_TOO_LARGE) from None
    except UnidentifiedImageError:
        if is_image(data[:16]) or data[:2] in (b"II", b"MM") or data[:2] == b"BM":
            raise ImageError(
                ERROR_UNSUPPORTED_FORMAT if not data.startswith(_MAGIC) else ERROR_IMAGE_CORRUPT
            ) from None
        raise ImageError(ERROR_NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, zlib.error):
        raise ImageError(ERROR_IMAGE_CORRUPT) from None
    with image:
        width, height = image.size
        frames = int(getattr(image, "n_frames", 1) or 1)
        if width * height > MAX_IMAGE_PIXELS or frames > MAX_FRAMES:
            raise ImageError(ERROR_IMAGE_TOO_LARGE)
        if frames > 1 and width * height * frames > 2 * MAX_IMAGE_PIXELS:
            raise ImageError(ERROR_IMAGE_TOO_LARGE)
        yield image


def load_pixels(image: Image.Image) -> None:
    """Decode the pixels, so a damaged file is found now and not halfway through saving."""
    try:
        image.load()
    except Image.DecompressionBombError:
        raise ImageError(ERROR_IMAGE_TOO_LARGE) from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, zlib.error, IndexError):
        raise ImageError(ERROR_IMAGE_CORRUPT) from None


def _text(value: Any, limit: int = 120) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = " ".join(str(value).replace("\x00", " ").split())
    return text[:limit] or None


def _ratio(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if number == number else None  # NaN from a 0/0 rational


def _degrees(value: Any) -> float | None:
    if isinstance(value, (tuple, list)):
        parts = [_ratio(part) for part in value[:3]]
        if not parts or any(part is None for part in parts):
            return None
        numbers = [p for p in parts if p is not None] + [0.0, 0.0]
        return numbers[0] + numbers[1] / 60 + numbers[2] / 3600
    return _ratio(value)


def _exif_gps(exif: Image.Exif) -> GpsPosition | None:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except (KeyError, ValueError, TypeError, struct.error):
        return None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude))
    if lat is None or lon is None:
        return None
    if str(_text(gps.get(ExifTags.GPS.GPSLatitudeRef)) or "N").upper().startswith("S"):
        lat = -lat
    if str(_text(gps.get(ExifTags.GPS.GPSLongitudeRef)) or "E").upper().startswith("W"):
        lon = -lon
    altitude = _ratio(gps.get(ExifTags.GPS.GPSAltitude))
    if altitude is not None and gps.get(ExifTags.GPS.GPSAltitudeRef) in (1, b"\x01"):
        altitude = -altitude
    return _position(lat, lon, altitude)


def _position(lat: float, lon: float, altitude: float | None) -> GpsPosition | None:
    # 0,0 is a placeholder some apps write, not a real position.
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return GpsPosition(lat, lon, altitude)


_XMP_COORD = re.compile(
    r"GPS(?P<axis>Latitude|Longitude)(?:=\"|>)\s*(?P<deg>\d{1,3})(?:,(?P<min>\d{1,2}(?:\.\d+)?))?"
    r"(?:,(?P<sec>\d{1,2}(?:\.\d+)?))?(?P<ref>[NSEW])"
)


def _xmp_gps(xmp: str) -> GpsPosition | None:
    found: dict[str, float] = {}
    for match in _XMP_COORD.finditer(xmp):
        value = (
            float(match["deg"]) + float(match["min"] or 0) / 60 + float(match["sec"] or 0) / 3600
        )
        found[match["axis"]] = -value if match["ref"] in "SW" else value
    if "Latitude" in found and "Longitude" in found:
        return _position(found["Latitude"], found["Longitude"], None)
    return None


def _xmp_text(image: Image.Image) -> str:
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _other_metadata(image: Image.Image, exif: Image.Exif, xmp: str) -> tuple[str, ...]:
    present: list[str] = []
    if len(exif):
        present.append("EXIF")
    if xmp:
        present.append("XMP")
    if image.info.get("photoshop") or any(
        marker == "APP13" for marker, _ in getattr(image, "applist", [])
    ):
        present.append("IPTC")
    if image.info.get("comment"):
        present.append("comment")
    for key in getattr(image, "text", {}) or {}:
        if key != "XML:com.adobe.xmp":
            present.append(f"PNG text: {key}")
    return tuple(present)


def scan_image(data: bytes) -> ImageReport:
    """Read a photo's metadata and say what in it could give someone away.

    Raises ``ImageError`` for something that is not a readable image or is too large.
    """
    with open_image(data) as image:
        load_pixels(image)
        exif = image.getexif()
        try:
            exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        except (KeyError, ValueError, TypeError, struct.error):
            exif_ifd = {}
        xmp = _xmp_text(image)
        gps = _exif_gps(exif) or (_xmp_gps(xmp) if xmp else None)
        captured = _text(exif_ifd.get(ExifTags.Base.DateTimeOriginal)) or _text(
            exif.get(ExifTags.Base.DateTime)
        )
        if captured and re.match(r"\d{4}:\d\d:\d\d", captured):
            captured = captured[:10].replace(":", "-") + captured[10:]
        report = {
            "make": _text(exif.get(ExifTags.Base.Make)),
            "model": _text(exif.get(ExifTags.Base.Model)),
            "software": _text(exif.get(ExifTags.Base.Software)),
            "serial_number": _text(
                exif_ifd.get(ExifTags.Base.BodySerialNumber)
                or exif_ifd.get(ExifTags.Base.LensSerialNumber)
            ),
            "owner_name": _text(
                exif_ifd.get(ExifTags.Base.CameraOwnerName) or exif.get(ExifTags.Base.Artist)
            ),
        }
        findings: list[PrivacyFinding] = []
        if gps is not None:
            when = f", on {captured}" if captured else ""
            findings.append(
                PrivacyFinding(
                    IMAGE_GPS,
                    (0, 0),
                    DETAIL_GPS.format(lat=gps.latitude, lon=gps.longitude, when=when),
                    Severity.HIGH,
                )
            )
        device = " ".join(
            part
            for part in (
                report["make"],
                report["model"],
                f"serial {report['serial_number']}" if report["serial_number"] else None,
                f"owner {report['owner_name']}" if report["owner_name"] else None,
            )
            if part
        )
        if device:
            personal = bool(report["serial_number"] or report["owner_name"])
            findings.append(
                PrivacyFinding(
                    IMAGE_DEVICE,
                    (0, 0),
                    (DETAIL_DEVICE_OWNER if personal else DETAIL_DEVICE).format(device=device),
                    Severity.MEDIUM if personal else Severity.LOW,
                )
            )
        return ImageReport(
            format=str(image.format),
            width=image.width,
            height=image.height,
            gps=gps,
            captured_at=captured,
            other_metadata=_other_metadata(image, exif, xmp),
            findings=tuple(findings),
            **report,
        )


def _clean_frame(frame: Image.Image) -> Image.Image:
    clean = frame.copy()
    clean.info = {key: frame.info[key] for key in _KEEP_INFO if key in frame.info}
    return clean


def strip_image_metadata(data: bytes) -> bytes:
    """Return the same picture, in the same format, without any metadata.

    1. Refuse non-images, damaged images and decompression bombs (``ImageError``).
    2. Apply the EXIF orientation to the pixels, so the picture stays the right way up once
       the orientation tag is gone.
    3. Re-encode without EXIF, XMP, IPTC, GPS, comments or text chunks; keep the colour
       profile and transparency. JPEGs reuse their own quantisation tables and chroma
       subsampling, so the quality barely changes. Animated GIF/WebP/PNG keep their frames.
    """
    with open_image(data) as image:
        load_pixels(image)
        source_format = str(image.format)
        save_format = _SAVE_FORMAT.get(source_format, source_format)
        options: dict[str, Any] = {}
        frames_in = int(getattr(image, "n_frames", 1) or 1)
        try:
            if save_format == "JPEG":
                qtables = getattr(image, "quantization", None)
                if qtables:
                    options["qtables"] = qtables
                sampling = get_sampling(image)
                if sampling >= 0:
                    options["subsampling"] = sampling
            if frames_in > 1 and save_format != "JPEG":
                frames = [_clean_frame(frame) for frame in ImageSequence.Iterator(image)]
                first, rest = frames[0], frames[1:]
                options.update(save_all=True, append_images=rest)
                for key in ("duration", "loop", "disposal", "background"):
                    if key in image.info:
                        options[key] = image.info[key]
            else:
                upright = ImageOps.exif_transpose(image) or image
                first = _clean_frame(upright)
            out = io.BytesIO()
            first.save(out, format=save_format, **options)
        except ImageError:
            raise
        except (OSError, SyntaxError, ValueError, struct.error, EOFError, zlib.error):
            raise ImageError(ERROR_IMAGE_CORRUPT) from None
        return out.getvalue()
