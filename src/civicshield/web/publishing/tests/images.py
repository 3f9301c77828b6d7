"""Test images made on the fly (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from PIL import Image


def geotagged_jpeg() -> bytes:
    """A small JPEG with GPS (Westminster) and camera make/model in its EXIF."""
    image = Image.new("RGB", (32, 24), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Pocket 12"  # Model
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 30.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
