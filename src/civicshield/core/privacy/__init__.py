"""The pre-publish privacy scanner: personal information in posts and in photos' metadata.

    from civicshield.core.privacy import PrivateList, scan_text
    findings = scan_text(post, private=PrivateList.build({"Sophie": "child"}, allowed=[...]))

Text: phone numbers, email addresses, UK postcodes and street addresses, number plates,
names on the office's private list, and times with places that give away where someone is
or goes regularly. Photos: GPS position and device details, shown and then stripped.
"""

from __future__ import annotations

from civicshield.core.privacy.images import (
    ERROR_FILE_TOO_LARGE,
    ERROR_IMAGE_CORRUPT,
    ERROR_IMAGE_TOO_LARGE,
    ERROR_NOT_AN_IMAGE,
    ERROR_UNSUPPORTED_FORMAT,
    GpsPosition,
    ImageError,
    ImageReport,
    is_image,
    scan_image,
    strip_image_metadata,
)
from civicshield.core.privacy.model import (
    IMAGE_KINDS,
    KINDS,
    TEXT_KINDS,
    PrivacyFinding,
    PrivateList,
    PrivateName,
)
from civicshield.core.privacy.text import ERROR_UNKNOWN_REGION, scan_text

__all__ = [
    "ERROR_FILE_TOO_LARGE",
    "ERROR_IMAGE_CORRUPT",
    "ERROR_IMAGE_TOO_LARGE",
    "ERROR_NOT_AN_IMAGE",
    "ERROR_UNKNOWN_REGION",
    "ERROR_UNSUPPORTED_FORMAT",
    "GpsPosition",
    "IMAGE_KINDS",
    "ImageError",
    "ImageReport",
    "KINDS",
    "PrivacyFinding",
    "PrivateList",
    "PrivateName",
    "TEXT_KINDS",
    "is_image",
    "scan_image",
    "scan_text",
    "strip_image_metadata",
]
