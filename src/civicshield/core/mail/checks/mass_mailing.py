"""Fingerprints of a mass-mailing tool in the subject line or sender name.

Bulk scam senders stamp every copy with a random code ("Aviso importante - verifiqueXJ34DNLwlN")
so that no two copies look the same to a spam filter, and their tools sometimes send the
template with its mail-merge field unfilled ("iPhone 13 Pro für {firstname}"). A person writing
to the office does neither. Only the subject and the sender name are read: bodies are full of
links, codes and program text with braces.
"""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail

RANDOM_CODE_LENGTH = 8
_TOKEN = re.compile(rf"[A-Za-z0-9]{{{RANDOM_CODE_LENGTH},}}")
_DIGIT_RUNS = re.compile(r"[0-9]+")
_VOWELS = frozenset("aeiouAEIOU")
# A random code mixes upper case, lower case and digits with few vowels or with digits
# scattered through it. Reference numbers are digits or capitals only ("INV-20931", "AB12CD34");
# program names in technical mail are readable words glued together ("Mark2CurSeen").
FEW_VOWELS = 0.25
SCATTERED_DIGIT_RUNS = 2
_MERGE_FIELD = re.compile(
    r"(?:\{\{?|\[\[?|%%?|\*\|)\s*"
    r"(?:first[ _]?name|last[ _]?name|full[ _]?name|fname|lname|name|e-?mail|email[ _]?address"
    r"|user[ _]?name|recipient|customer|company)"
    r"\s*(?:\}\}?|\]\]?|%%?|\|\*)",
    re.IGNORECASE,
)


def random_code(text: str) -> str:
    """The first random-looking code of letters and digits in ``text``, or ``""``."""
    tokens: list[str] = _TOKEN.findall(text)
    for token in tokens:
        letters = [c for c in token if c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        lower = len(letters) - upper
        digit_runs = len(_DIGIT_RUNS.findall(token))
        if upper < 2 or lower < 2 or not digit_runs:
            continue
        vowels = sum(1 for c in letters if c in _VOWELS) / len(letters)
        if vowels < FEW_VOWELS or digit_runs >= SCATTERED_DIGIT_RUNS:
            return token
    return ""


class MassMailingCheck(Check):
    """A random anti-filter code or an unfilled mail-merge field in the subject or sender."""

    name = "mass_mailing"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        header = mail.subject + "\n" + mail.from_name
        hits: list[Hit] = []
        code = random_code(header)
        if code:
            hits.append(
                Hit(
                    "mass_mailing.random_code",
                    Severity.MEDIUM,
                    f"The subject or sender name carries a random code ({code}). Bulk scam "
                    "senders add one to every copy so that spam filters cannot match them.",
                )
            )
        field = _MERGE_FIELD.search(header)
        if field:
            hits.append(
                Hit(
                    "mass_mailing.unfilled_field",
                    Severity.MEDIUM,
                    f"The subject or sender name shows an unfilled template field "
                    f"({field.group(0)}): this was sent in bulk by a mailing tool, not written "
                    "to you.",
                )
            )
        return hits
