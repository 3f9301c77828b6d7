"""The text detectors, one module each, run in the order of ``REGISTRY``.

Order matters once: ``whereabouts`` runs last because it treats the addresses, postcodes and
private names found before it as places. Adding a detector is a module here plus one line.
"""

from __future__ import annotations

from civicshield.core.privacy.detectors import (
    address,
    email,
    phone,
    postcode,
    private_person,
    vehicle,
    whereabouts,
)
from civicshield.core.privacy.detectors.base import Detector, ScanContext

REGISTRY: dict[str, Detector] = {
    "phone": phone.detect,
    "email": email.detect,
    "postcode": postcode.detect,
    "address": address.detect,
    "vehicle": vehicle.detect,
    "private_person": private_person.detect,
    "whereabouts": whereabouts.detect,
}

__all__ = ["REGISTRY", "Detector", "ScanContext"]
