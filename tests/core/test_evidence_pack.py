"""Evidence packs: what goes in, and that any change, removal or addition is found and named."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicshield.core.evidence import (
    ERROR_BAD_FILE_NAME,
    ERROR_CHANGED,
    ERROR_DAMAGED,
    ERROR_DUPLICATE,
    ERROR_EXTRA,
    ERROR_ITEM_ORIGINAL,
    ERROR_MANIFEST_ALTERED,
    ERROR_MISSING,
    ERROR_NO_MANIFEST,
    ERROR_NOT_ZIP,
    ORIGINAL_FORMAT,
    build_pack,
    canonical_json,
    decode_original,
    encode_original,
    manifest_body_sha256,
    sha256_hex,
    verify_pack,
)

ORIGINAL = encode_original(
    'You will regret this, I know where you live 🙂\n\n"quoted" \\ text',
    {"platform": "mastodon", "platform_id": "109", "url": "https://m.example/@troll/109"},
)
POST_PNG = b"\x89PNG\r\n\x1a\n fake post screenshot"


def _items() -> list[dict]:
    return [
        {
            "number": 1,
            "text": "You will regret this",
            "original_file": "originals/1.bin",
            "sha256": sha256_hex(ORIGINAL),
        }
    ]


def _pack(**kwargs) -> bytes:
    return build_pack(
        _items(),
        {"originals/1.bin": ORIGINAL, "screenshots/1-post.png": POST_PNG},
        b"%PDF-1.7 summary",
        **kwargs,
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    """Write the members into a fresh ZIP, as someone editing a pack by hand would."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_pack_holds_the_manifest_items_summary_originals_and_screenshots():
    members = _members(_pack())
    assert set(members) == {
        "manifest.json",
        "items.json",
        "summary.pdf",
        "originals/1.bin",
        "screenshots/1-post.png",
    }
    assert members["originals/1.bin"] == ORIGINAL
    assert json.loads(members["items.json"]) == _items()
    manifest = json.loads(members["manifest.json"])
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(members) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == sha256_hex(members[name])
        assert entry["size"] == len(members[name])
    assert manifest["tool_version"]
    assert manifest["manifest_sha256"] == manifest_body_sha256(manifest)


def test_the_same_contents_give_the_same_bytes():
    assert _pack() == _pack()
    created = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
    assert json.loads(_members(_pack(created=created))["manifest.json"])["created"].startswith(
        "2026-11-27T09:30"
    )


def test_an_untouched_pack_verifies():
    report = verify_pack(_pack())
    assert report.ok, report.problems
    assert set(report.checked) == {
        "items.json",
        "summary.pdf",
        "originals/1.bin",
        "screenshots/1-post.png",
    }
    assert report.problems == ()
    assert len(report.manifest_sha256) == 64


def test_a_changed_byte_in_a_member_is_found():
    members = _members(_pack())
    tampered = bytearray(members["screenshots/1-post.png"])
    tampered[-1] ^= 0x01
    members["screenshots/1-post.png"] = bytes(tampered)
    report = verify_pack(_rezip(members))
    assert not report.ok
    assert report.problems == (ERROR_CHANGED.format(name="screenshots/1-post.png"),)


def test_a_changed_original_is_found_twice_over():
    members = _members(_pack())
    members["originals/1.bin"] = members["originals/1.bin"].replace(b"regret", b"forget")
    report = verify_pack(_rezip(members))
    assert ERROR_CHANGED.format(name="originals/1.bin") in report.problems
    assert ERROR_ITEM_ORIGINAL.format(number=1, name="originals/1.bin") in report.problems


def test_a_flipped_byte_in_the_zip_itself_is_found_never_raised():
    original = _pack()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        info = archive.getinfo("originals/1.bin")
    # Each byte of the member's compressed data (after its local header), flipped in turn;
    # not the last, whose spare padding bits deflate ignores (the content stays the same).
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start, start + info.compress_size - 1):
        data = bytearray(original)
        data[offset] ^= 0xFF
        report = verify_pack(bytes(data))
        assert not report.ok, offset
        assert any("originals/1.bin" in p for p in report.problems), (offset, report.problems)


def test_a_damaged_member_is_called_damaged():
    original = _pack()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        info = archive.getinfo("summary.pdf")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data = bytearray(original)
    data[start + 1] ^= 0xFF
    report = verify_pack(bytes(data))
    damaged = ERROR_DAMAGED.split("{name}")[1].split("(")[0]
    assert any(p.startswith("summary.pdf" + damaged) for p in report.problems), report.problems


def test_a_removed_file_is_found():
    members = _members(_pack())
    del members["screenshots/1-post.png"]
    report = verify_pack(_rezip(members))
    assert report.problems == (ERROR_MISSING.format(name="screenshots/1-post.png"),)


def test_an_added_file_is_found():
    members = _members(_pack())
    members["screenshots/2-extra.png"] = b"planted"
    report = verify_pack(_rezip(members))
    assert report.problems == (ERROR_EXTRA.format(name="screenshots/2-extra.png"),)


def test_an_edited_manifest_is_found():
    members = _members(_pack())
    manifest = json.loads(members["manifest.json"])
    # Someone swaps in a screenshot and "fixes" its hash, but not the manifest's own hash.
    members["screenshots/1-post.png"] = b"a different picture"
    for entry in manifest["files"]:
        if entry["name"] == "screenshots/1-post.png":
            entry["sha256"] = sha256_hex(b"a different picture")
    members["manifest.json"] = json.dumps(manifest).encode()
    report = verify_pack(_rezip(members))
    assert report.problems == (ERROR_MANIFEST_ALTERED,)


def test_a_missing_manifest_is_found():
    members = _members(_pack())
    del members["manifest.json"]
    assert verify_pack(_rezip(members)).problems == (ERROR_NO_MANIFEST,)


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_something_that_is_not_a_zip_is_reported_not_raised(data):
    report = verify_pack(data)
    assert not report.ok
    assert report.problems == (ERROR_NOT_ZIP,)


@pytest.mark.parametrize("name", ["../escape.bin", "/abs.bin", "a//b", "manifest.json", ""])
def test_unsafe_or_reserved_file_names_are_refused(name):
    with pytest.raises(ValueError):
        build_pack([], {name: b"x"}, b"%PDF")


def test_unsafe_name_message_names_the_file():
    with pytest.raises(ValueError, match="escape"):
        build_pack([], {"../escape.bin": b"x"}, b"%PDF")
    assert "{name!r}" in ERROR_BAD_FILE_NAME


def test_an_original_keeps_the_text_byte_for_byte_and_splits_back():
    text = 'line one\n\nline two with "quotes", a \\ backslash, \x00 and émoji 🙂'
    fields = {"platform": "bluesky", "platform_id": "at://did:plc:x/app.bsky.feed.post/1"}
    data = encode_original(text, fields)
    assert data.startswith(ORIGINAL_FORMAT.encode() + b"\n")
    assert text.encode("utf-8") in data
    assert decode_original(data) == (text, fields)
    assert data.endswith(canonical_json(fields))


@pytest.mark.parametrize(
    "data", [b"", b"something else\n\n", b"civicshield-original/1\ntext-bytes: 99\n\nshort"]
)
def test_decoding_foreign_bytes_says_so(data):
    with pytest.raises(ValueError):
        decode_original(data)


_names = st.text(alphabet="abcdefghij0123456789-_.", min_size=1, max_size=12).filter(
    lambda n: n not in (".", "..")
)


@settings(max_examples=60, deadline=None)
@given(
    files=st.dictionaries(
        st.builds(lambda d, n: f"{d}/{n}", st.sampled_from(["originals", "screenshots"]), _names),
        st.binary(min_size=1, max_size=200),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
def test_any_pack_verifies_and_any_changed_byte_is_named(files, data):
    pack = build_pack([], files, b"%PDF")
    assert verify_pack(pack).ok
    name = data.draw(st.sampled_from(sorted(files)))
    position = data.draw(st.integers(0, len(files[name]) - 1))
    members = _members(pack)
    changed = bytearray(members[name])
    changed[position] ^= 0x01
    members[name] = bytes(changed)
    assert verify_pack(_rezip(members)).problems == (ERROR_CHANGED.format(name=name),)


def test_a_file_smuggled_in_twice_under_the_same_name_is_found():
    buffer = io.BytesIO(_pack())
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(buffer, "a") as archive,
    ):
        archive.writestr("originals/1.bin", b"a second, different original")
    report = verify_pack(buffer.getvalue())
    assert ERROR_DUPLICATE.format(name="originals/1.bin") in report.problems
    assert not report.ok
