"""Pages that ask for a password: HTML attachments with forms, forms in the body, data: links."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail

HTML_EXTENSIONS = (".htm", ".html", ".shtml", ".xhtml", ".svg", ".mht", ".mhtml", ".xht")
_PASSWORD_FIELD = re.compile(rb"""<input\b[^<>]{0,2000}type\s*=\s*["']?password""", re.IGNORECASE)
_FORM = re.compile(rb"<form\b", re.IGNORECASE)
# Scripts that build or fetch a page at open time: the usual disguise of a phishing attachment.
_SCRIPTED = re.compile(
    rb"atob\s*\(|unescape\s*\(|document\.write\s*\(|window\.location|location\.href\s*=|"
    rb"location\.replace\s*\(|fromCharCode|<meta[^<>]{1,2000}http-equiv\s*=\s*[\"']?refresh",
    re.IGNORECASE,
)
_PASSWORD_FIELD_TEXT = re.compile(
    r"""<input\b[^<>]{0,2000}type\s*=\s*["']?password""", re.IGNORECASE
)


def is_html_attachment(filename: str, content_type: str) -> bool:
    """True for an attached web page (it opens in the browser, outside the mail's protections)."""
    return filename.lower().endswith(HTML_EXTENSIONS) or content_type in (
        "text/html",
        "image/svg+xml",
        "application/xhtml+xml",
    )


class CredentialFormCheck(Check):
    """Somewhere to type a password that is not the real sign-in page."""

    name = "credential_form"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        hits: list[Hit] = []
        for attachment in mail.attachments:
            if not is_html_attachment(attachment.filename, attachment.content_type):
                continue
            data = attachment.payload[:2_000_000]
            if _PASSWORD_FIELD.search(data) or _FORM.search(data) or _SCRIPTED.search(data):
                label = attachment.filename or "an attached web page"
                hits.append(
                    Hit(
                        "credential_form.html_attachment",
                        Severity.HIGH,
                        f"The attachment {label} is a web page with a form or a hidden script. "
                        "Attached sign-in pages are a common way to steal passwords. Do not open "
                        "it, and never type a password into it.",
                    )
                )
                break
        if mail.html and _PASSWORD_FIELD_TEXT.search(mail.html):
            hits.append(
                Hit(
                    "credential_form.password_in_body",
                    Severity.HIGH,
                    "This email contains a box to type a password into. Real organisations never "
                    "ask for your password in an email.",
                )
            )
        for link in mail.links:
            if link.scheme == "data":
                hits.append(
                    Hit(
                        "credential_form.data_url",
                        Severity.HIGH,
                        "A link in this email carries a whole hidden web page inside it (a "
                        "'data:' link), a trick used to show fake sign-in pages. Do not click it.",
                    )
                )
                break
        return hits
