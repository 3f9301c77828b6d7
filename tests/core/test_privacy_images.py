"""Photo metadata: GPS and device read and explained, then stripped; bad files refused clearly.

Test photos are made here with Pillow (GPS written through Pillow's Exif API); no binary
fixtures are committed.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational

from civicshield.core.findings import Severity
from civicshield.core.privacy import (
    ERROR_FILE_TOO_LARGE,
    ERROR_IMAGE_CORRUPT,
    ERROR_IMAGE_TOO_LARGE,
    ERROR_NOT_AN_IMAGE,
    ERROR_UNSUPPORTED_FORMAT,
    ImageError,
    images,
    is_image,
    scan_image,
    strip_image_metadata,
)


def camera_exif(*, orientation: int | None = None, serial: str | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 13"
    exif[ExifTags.Base.Software] = "17.2.1"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(51), IFDRational(30), IFDRational(3606, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(0), IFDRational(8), IFDRational(2990, 100))
    gps[ExifTags.GPS.GPSAltitudeRef] = 0
    gps[ExifTags.GPS.GPSAltitude] = IFDRational(235, 10)
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = "2024:05:04 09:12:30"
    if serial:
        details[ExifTags.Base.BodySerialNumber] = serial
    return exif


def photo(fmt: str = "JPEG", size=(40, 20), **save) -> bytes:
    image = Image.new("RGB", size, "red")
    # A blue marker block top-left, to check orientation is applied.
    image.paste((0, 0, 255), (0, 0, 8, 8))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


LAT = 51 + 30 / 60 + 36.06 / 3600
LON = -(8 / 60 + 29.90 / 3600)


def test_it_reads_gps_as_decimal_degrees():
    report = scan_image(photo(exif=camera_exif()))
    assert report.gps is not None
    assert report.gps.latitude == pytest.approx(LAT)
    assert report.gps.longitude == pytest.approx(LON)
    assert report.gps.altitude == pytest.approx(23.5)


def test_it_reads_device_software_and_capture_time():
    report = scan_image(photo(exif=camera_exif()))
    assert (report.make, report.model, report.software) == ("Apple", "iPhone 13", "17.2.1")
    assert report.captured_at == "2024-05-04 09:12:30"
    assert report.format == "JPEG" and (report.width, report.height) == (40, 20)
    assert "EXIF" in report.other_metadata


def test_gps_and_device_are_findings_that_explain_themselves():
    report = scan_image(photo(exif=camera_exif()))
    gps, device = report.findings
    assert gps.kind == "image_gps" and gps.severity == Severity.HIGH
    assert "51.51002, -0.14164" in gps.detail
    assert "removes it on upload" in gps.detail
    assert device.kind == "image_device" and device.severity == Severity.LOW
    assert "Apple iPhone 13" in device.detail


def test_a_serial_number_makes_the_device_finding_more_serious():
    report = scan_image(photo(exif=camera_exif(serial="F2LX1234")))
    device = next(f for f in report.findings if f.kind == "image_device")
    assert device.severity == Severity.MEDIUM
    assert report.serial_number == "F2LX1234"


def test_a_plain_picture_has_no_findings():
    report = scan_image(photo())
    assert report.findings == () and report.gps is None and report.other_metadata == ()


def test_southern_and_eastern_positions_have_the_right_signs():
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(33), IFDRational(52), IFDRational(0))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(151), IFDRational(12), IFDRational(0))
    report = scan_image(photo(exif=exif))
    assert report.gps is not None
    assert report.gps.latitude == pytest.approx(-33.8667, abs=1e-3)
    assert report.gps.longitude == pytest.approx(151.2, abs=1e-3)


def test_a_zero_denominator_in_gps_is_not_a_crash():
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(51, 0), IFDRational(0), IFDRational(0))
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(0), IFDRational(8), IFDRational(0))
    assert scan_image(photo(exif=exif)).gps is None


def test_gps_in_xmp_is_read_too():
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'exif:GPSLatitude="51,30.601N" exif:GPSLongitude="0,8.4983W"/></rdf:RDF></x:xmpmeta>'
    )
    report = scan_image(photo(xmp=xmp))
    assert report.gps is not None
    assert report.gps.latitude == pytest.approx(51.51, abs=1e-3)
    assert report.gps.longitude == pytest.approx(-0.1416, abs=1e-3)
    assert "XMP" in report.other_metadata


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_stripping_removes_gps_and_device_and_keeps_the_format(fmt):
    data = photo(fmt, exif=camera_exif(serial="X1"))
    assert scan_image(data).gps is not None
    clean = strip_image_metadata(data)
    report = scan_image(clean)
    assert report.format == fmt
    assert report.gps is None and report.make is None and report.serial_number is None
    assert report.findings == () and report.other_metadata == ()
    assert b"iPhone" not in clean and b"Apple" not in clean


def test_stripping_removes_comments_xmp_and_png_text():
    jpeg = photo(exif=camera_exif(), comment=b"at home", xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    assert {"comment", "XMP"} <= set(scan_image(jpeg).other_metadata)
    clean = strip_image_metadata(jpeg)
    assert b"at home" not in clean and b"secret" not in clean
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    png = photo("PNG", pnginfo=info)
    assert "PNG text: Author" in scan_image(png).other_metadata
    assert b"Jane Doe" not in strip_image_metadata(png)


def test_stripping_applies_the_orientation():
    # Orientation 6: the camera was turned; viewers rotate 90 degrees clockwise to show it.
    data = photo(exif=camera_exif(orientation=6))
    clean = Image.open(io.BytesIO(strip_image_metadata(data)))
    assert clean.size == (20, 40)
    assert 0x0112 not in clean.getexif()
    # The blue marker, top-left in storage, is top-right once turned clockwise.
    r, g, b = clean.convert("RGB").getpixel((17, 2))
    assert clean.convert("RGB").getpixel((2, 2))[0] > 150
    assert b > 150 and r < 100


def test_stripping_keeps_jpeg_quality_settings():
    data = photo(size=(64, 64), quality=90)
    clean = strip_image_metadata(data)
    assert Image.open(io.BytesIO(clean)).quantization == Image.open(io.BytesIO(data)).quantization


def test_an_animated_gif_keeps_its_frames():
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=80, comment=b"x")
    clean = strip_image_metadata(out.getvalue())
    assert Image.open(io.BytesIO(clean)).n_frames == 3
    assert scan_image(clean).other_metadata == ()


@pytest.mark.parametrize("data", [b"", b"hello, not a picture", b"%PDF-1.7 ..."])
def test_a_non_image_is_refused(data):
    for function in (scan_image, strip_image_metadata):
        with pytest.raises(ImageError, match=re.escape(ERROR_NOT_AN_IMAGE)):
            function(data)


def test_a_damaged_image_is_refused():
    data = photo("PNG", size=(200, 200))
    for broken in (data[:80], data[:8] + b"\x00" * 60):
        with pytest.raises(ImageError) as caught:
            strip_image_metadata(broken)
        assert str(caught.value) == ERROR_IMAGE_CORRUPT
    jpeg = photo(size=(200, 200))
    with pytest.raises(ImageError, match=ERROR_IMAGE_CORRUPT):
        scan_image(jpeg[: len(jpeg) // 3])


def test_a_damaged_image_is_refused_even_after_the_pdf_writer_is_loaded():
    # WeasyPrint turns on Pillow's process-wide "load truncated images" when imported; the
    # web app imports it for evidence packs, so uploads must stay strict anyway.
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint  # noqa: F401

        ImageFile.LOAD_TRUNCATED_IMAGES = True
        for data in (photo(size=(200, 200)), photo("PNG", size=(200, 200))):
            with pytest.raises(ImageError, match=ERROR_IMAGE_CORRUPT):
                strip_image_metadata(data[: len(data) // 2])
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for WeasyPrint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before  # no other test runs with it on


def test_an_unsupported_format_is_refused_clearly():
    with pytest.raises(ImageError, match=ERROR_UNSUPPORTED_FORMAT):
        strip_image_metadata(photo("TIFF"))


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100 * 100)
    big = photo("PNG", size=(101, 100))
    for function in (scan_image, strip_image_metadata):
        with pytest.raises(ImageError, match="too many pixels"):
            function(big)
    assert strip_image_metadata(photo("PNG", size=(100, 100)))


def test_a_real_bomb_header_is_refused():
    # A PNG whose header claims 100,000 x 100,000 pixels: refused without decoding.
    image = Image.new("1", (1, 1))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = bytearray(out.getvalue())
    import struct
    import zlib

    data[16:24] = struct.pack(">II", 100_000, 100_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    with pytest.raises(ImageError) as caught:
        scan_image(bytes(data))
    assert str(caught.value) == ERROR_IMAGE_TOO_LARGE


def test_an_oversized_file_is_refused_before_opening(monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(ImageError, match="too large"):
        scan_image(photo(size=(200, 200)))
    assert "MB" in ERROR_FILE_TOO_LARGE


def test_is_image_knows_the_magic_bytes():
    assert is_image(photo()[:16]) and is_image(photo("PNG")[:16]) and is_image(photo("WEBP")[:16])
    assert not is_image(b'{"id": 1, "text"')


def test_stripping_keeps_the_colour_profile_and_transparency():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", icc_profile=profile, exif=camera_exif())
    clean = Image.open(io.BytesIO(strip_image_metadata(out.getvalue())))
    assert clean.info.get("icc_profile") == profile
    assert clean.mode == "RGBA" and clean.getpixel((0, 0))[3] == 0
    assert scan_image(strip_image_metadata(out.getvalue())).gps is None


def test_a_multi_picture_jpeg_comes_back_as_a_plain_jpeg_without_gps():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "MPO", save_all=True, append_images=frames[1:], exif=camera_exif())
    assert scan_image(out.getvalue()).gps is not None
    clean = strip_image_metadata(out.getvalue())
    assert Image.open(io.BytesIO(clean)).format == "JPEG"
    assert scan_image(clean).gps is None
