"""``civicshield privacy scan`` and ``strip``: the command-line contract in DESIGN.md."""

from __future__ import annotations

import io
import json

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from civicshield.cli.privacy import (
    ERROR_IS_DIRECTORY,
    ERROR_NO_SUCH_FILE,
    ERROR_OUTPUT_EXISTS,
    ERROR_PRIVATE_FILE,
)
from civicshield.cli.status import ExitStatus
from civicshield.core.batch import ERROR_NOT_JSON, ERROR_UNKNOWN_FORMAT
from civicshield.core.privacy import ERROR_IMAGE_CORRUPT, ERROR_NOT_AN_IMAGE, scan_image
from tests.helpers import run_cli


def gps_photo(fmt: str = "JPEG") -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Google"
    exif[ExifTags.Base.Model] = "Pixel 8"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(53), IFDRational(28), IFDRational(0))
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(2), IFDRational(14), IFDRational(0))
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "green").save(out, fmt, exif=exif)
    return out.getvalue()


POSTS = (
    b'{"id": "p1", "text": "Call me on 07700 900123"}\n'
    b"this line is broken\n"
    b'{"id": "p3", "text": "Great to visit Hillside School today"}\n'
    b'{"id": "p4", "text": "Heading to the school gates now"}\n'
)


def test_it_scans_jsonl_from_stdin_in_order_with_error_lines():
    result = run_cli("privacy", "scan", stdin=POSTS)
    assert result.exit_status == ExitStatus.SUCCESS
    lines = result.json_lines
    assert [line["id"] for line in lines] == ["p1", 2, "p3", "p4"]
    assert lines[0]["findings"] == [
        {
            "kind": "phone",
            "span": [11, 23],
            "detail": lines[0]["findings"][0]["detail"],
            "severity": "high",
        }
    ]
    assert lines[1] == {"id": 2, "error": ERROR_NOT_JSON}
    assert lines[2]["findings"] == []
    assert [f["kind"] for f in lines[3]["findings"]] == ["live_location"]


def test_it_reads_csv_with_a_text_column(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text('id,text\na,"Write to jo.bloggs@gmail.com"\nb,Nothing to see\n')
    result = run_cli("privacy", "scan", str(path))
    lines = result.json_lines
    assert [(line["id"], [f["kind"] for f in line["findings"]]) for line in lines] == [
        ("a", ["email"]),
        ("b", []),
    ]


def test_it_reads_plain_text_one_post_a_line():
    result = run_cli("privacy", "scan", "--format", "text", stdin=b"My car is AB12 CDE\nhello\n")
    assert [line["id"] for line in result.json_lines] == [1, 2]
    assert result.json_lines[0]["findings"][0]["kind"] == "vehicle"
    assert result.json_lines[0]["findings"][0]["span"] == [10, 18]


def test_text_it_cannot_place_is_one_error_line_for_that_input():
    result = run_cli("privacy", "scan", stdin=b"just some words\n")
    assert result.json_lines == [{"path": "-", "error": ERROR_UNKNOWN_FORMAT}]
    assert result.exit_status == ExitStatus.ERROR


def test_it_scans_image_files_and_shows_their_metadata(tmp_path):
    jpeg = tmp_path / "visit.jpg"
    jpeg.write_bytes(gps_photo())
    png = tmp_path / "plain.png"
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, "PNG")
    png.write_bytes(out.getvalue())
    result = run_cli("privacy", "scan", str(jpeg), str(png))
    first, second = result.json_lines
    assert first["path"] == str(jpeg)
    assert [f["kind"] for f in first["findings"]] == ["image_gps", "image_device"]
    assert all(f["span"] == [0, 0] for f in first["findings"])
    assert first["metadata"]["gps"]["latitude"] == pytest.approx(53.4667, abs=1e-3)
    assert first["metadata"]["model"] == "Pixel 8"
    assert second == {"path": str(png), "findings": [], "metadata": second["metadata"]}
    assert result.exit_status == ExitStatus.SUCCESS


def test_an_image_on_stdin_is_recognised():
    result = run_cli("privacy", "scan", "-", stdin=gps_photo("PNG"))
    (line,) = result.json_lines
    assert line["path"] == "-"
    assert line["findings"][0]["kind"] == "image_gps"


def test_bad_inputs_give_error_lines_and_the_run_goes_on(tmp_path):
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(gps_photo()[:100])
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"not really a png")
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(POSTS)
    result = run_cli(
        "privacy",
        "scan",
        str(corrupt),
        str(tmp_path / "missing.jsonl"),
        str(tmp_path),
        str(fake),
        str(posts),
    )
    lines = result.json_lines
    assert lines[:4] == [
        {"path": str(corrupt), "error": ERROR_IMAGE_CORRUPT},
        {"path": str(tmp_path / "missing.jsonl"), "error": ERROR_NO_SUCH_FILE},
        {"path": str(tmp_path), "error": ERROR_IS_DIRECTORY},
        {"path": str(fake), "error": ERROR_NOT_AN_IMAGE},
    ]
    assert [line["id"] for line in lines[4:]] == ["p1", 2, "p3", "p4"]
    assert result.exit_status == ExitStatus.ERROR


def test_the_private_file_adds_names_and_allows_office_details(tmp_path):
    private = tmp_path / "office.json"
    private.write_text(json.dumps({"names": {"Sophie": "child"}, "allowed": ["07700 900123"]}))
    stdin = (
        b'{"id": 1, "text": "Sophie says call 07700 900123"}\n'
        b'{"id": 2, "text": "or 07700 900999"}\n'
    )
    result = run_cli("privacy", "scan", "--private", str(private), stdin=stdin)
    kinds = [[f["kind"] for f in line["findings"]] for line in result.json_lines]
    assert kinds == [["private_person"], ["phone"]]


@pytest.mark.parametrize("content", ["not json", '{"names": 3}', '["Sophie"]'])
def test_a_bad_private_file_stops_the_run_with_a_clear_message(tmp_path, content):
    private = tmp_path / "office.json"
    private.write_text(content)
    result = run_cli("privacy", "scan", "--private", str(private), stdin=POSTS)
    assert result.exit_status == ExitStatus.ERROR
    assert ERROR_PRIVATE_FILE in result.stderr
    assert result.stdout == ""


def test_a_private_file_may_list_names_only(tmp_path):
    private = tmp_path / "office.json"
    private.write_text('{"names": ["Sophie", "Acacia Avenue"]}')
    result = run_cli(
        "privacy",
        "scan",
        "--private",
        str(private),
        "--format",
        "text",
        stdin=b"Sophie lives on acacia avenue\n",
    )
    kinds = [f["kind"] for f in result.json_lines[0]["findings"]]
    assert kinds == ["private_person", "private_person"]


def test_strip_writes_a_clean_copy(tmp_path):
    source = tmp_path / "visit.jpg"
    source.write_bytes(gps_photo())
    target = tmp_path / "clean.jpg"
    result = run_cli("privacy", "strip", str(source), "--output", str(target))
    assert result.exit_status == ExitStatus.SUCCESS
    assert scan_image(target.read_bytes()).findings == ()
    assert scan_image(source.read_bytes()).gps is not None


def test_strip_will_not_overwrite_without_force(tmp_path):
    source = tmp_path / "visit.jpg"
    source.write_bytes(gps_photo())
    target = tmp_path / "clean.jpg"
    target.write_bytes(b"keep me")
    result = run_cli("privacy", "strip", str(source), "-o", str(target))
    assert result.exit_status == ExitStatus.USAGE
    assert ERROR_OUTPUT_EXISTS in result.stderr
    assert target.read_bytes() == b"keep me"
    assert run_cli("privacy", "strip", str(source), "-o", str(target), "--force").exit_status == 0


def test_strip_reports_a_bad_image(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    result = run_cli("privacy", "strip", str(source), "-o", str(tmp_path / "out.jpg"))
    assert result.exit_status == ExitStatus.ERROR
    assert ERROR_NOT_AN_IMAGE in result.stderr
    assert not (tmp_path / "out.jpg").exists()


def test_an_unknown_region_is_a_usage_error():
    result = run_cli("privacy", "scan", "--region", "XX", stdin=POSTS)
    assert result.exit_status == ExitStatus.USAGE
    assert "two-letter country code" in result.stderr


def test_the_region_is_used_for_phone_numbers():
    result = run_cli(
        "privacy", "scan", "--region", "nl", "--format", "text", stdin=b"bel 0612345678\n"
    )
    assert [f["kind"] for f in result.json_lines[0]["findings"]] == ["phone"]
