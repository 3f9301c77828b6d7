from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicshield.web.accounts.roles import CAPABILITIES, Capability
from civicshield.web.accounts.selectors import membership_for_request


def membership(request: HttpRequest) -> dict[str, Any]:
    """Give templates the current member and what they may do, for role-aware navigation."""
    member = membership_for_request(request)
    allowed = CAPABILITIES[member.role] if member is not None else frozenset()
    return {
        "member": member,
        "office": member.office if member is not None else None,
        "can": {cap.value: (cap in allowed) for cap in Capability},
    }
