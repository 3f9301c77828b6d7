"""Whatever comes in, the scanner answers: spans inside the text, only ImageError for bad bytes."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from civicshield.core.privacy import (
    ERROR_UNSUPPORTED_FORMAT,
    KINDS,
    ImageError,
    PrivateList,
    scan_image,
    scan_text,
    strip_image_metadata,
)

PRIVATE = PrivateList.build({"Sophie": "child", "Acacia Avenue": "home street"})
POSTISH = st.lists(
    st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'@+-:\n📍’")
        + ["Sophie", " at the ", " now", " every Saturday ", " 07700 900123 ", " Road", " AN1 2AB"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(max_size=300), POSTISH))
def test_any_text_gives_well_formed_findings(text):
    findings = scan_text(text, private=PRIVATE)
    assert list(findings) == sorted(findings, key=lambda f: (f.span[0], f.span[1], f.kind))
    for finding in findings:
        start, end = finding.span
        assert 0 <= start < end <= len(text)
        assert finding.kind in KINDS
        assert finding.detail


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "PNG")
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=400))
def test_damaged_bytes_raise_image_error_and_nothing_else(noise, cut):
    data = _png()
    broken = data[:cut] + noise
    for function in (scan_image, strip_image_metadata):
        try:
            function(broken)
        except ImageError:
            pass


def test_heic_without_its_decoder_is_reported_as_unsupported():
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    try:
        scan_image(fake_heic)
    except ImageError as error:
        assert str(error) == ERROR_UNSUPPORTED_FORMAT
    else:  # pragma: no cover - only where pillow-heif is installed and reads it
        raise AssertionError("a fake HEIC file was read")
