"""SPF, DKIM and DMARC results recorded by the receiving mail server (Authentication-Results).

A failure here is rare in phishing (criminals send from domains they control, which pass) and
common in genuine mailing-list mail (the list changes the message and breaks the signature), so
a failure alone is only a weak hint. It is strong in one case: mail that claims to come from the
office's own or a trusted domain and fails, because that is exactly what a forged sender looks like.
"""

from __future__ import annotations

import re

import authres

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail

_FAILED = {"fail", "softfail", "permerror"}
_METHODS = ("spf", "dkim", "dmarc")
_RESULT = re.compile(r"(?<![a-z-])(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


def read_results(headers: tuple[str, ...]) -> dict[str, str]:
    """Method -> result from the topmost header that reports it (the receiving server's own)."""
    results: dict[str, str] = {}
    # The receiving server's header is on top; deeper ones were added (or forged) upstream.
    for value in headers[:3]:
        pairs: list[tuple[str, str]]
        try:
            parsed = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + value)
            pairs = [(str(r.method).lower(), str(r.result).lower()) for r in parsed.results]
        except Exception:  # noqa: BLE001 - authres raises bare SyntaxError and others on odd headers
            # Microsoft 365 omits the server name authres requires; read the pairs directly.
            pairs = [(m.lower(), r.lower()) for m, r in _RESULT.findall(value)]
        for method, result in pairs:
            if method in _METHODS and method not in results:
                results[method] = result
    return results


class AuthenticationCheck(Check):
    """Failed SPF, DKIM or DMARC."""

    name = "authentication"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        if not mail.authentication_results:
            return []
        results = read_results(mail.authentication_results)
        failed = [method.upper() for method in _METHODS if results.get(method) in _FAILED]
        if not failed:
            return []
        names = " and ".join(failed)
        if mail.from_domain and context.is_trusted_domain(mail.from_domain):
            return [
                Hit(
                    "authentication.trusted_domain_fail",
                    Severity.HIGH,
                    f"This email claims to come from {mail.from_domain}, a domain you trust, but "
                    f"it failed the {names} check that proves where mail comes from. It may be "
                    "forged. Confirm with the sender by phone before acting on it.",
                )
            ]
        return [
            Hit(
                "authentication.fail",
                Severity.LOW,
                f"The receiving mail server could not confirm the sender ({names} failed). "
                "Mailing lists cause this too, so on its own it is only a hint.",
            )
        ]
