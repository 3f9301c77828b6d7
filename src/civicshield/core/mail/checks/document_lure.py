"""'Someone shared a document with you' from a sender the office does not know."""

from __future__ import annotations

import re

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail
from civicshield.core.mail.text import fold

DOCUMENT_SERVICES: dict[str, str] = {
    "docs.google.com": "Google Docs",
    "drive.google.com": "Google Drive",
    "sites.google.com": "Google Sites",
    "forms.gle": "Google Forms",
    "sharepoint.com": "SharePoint",
    "onedrive.live.com": "OneDrive",
    "1drv.ms": "OneDrive",
    "onedrive.com": "OneDrive",
    "dropbox.com": "Dropbox",
    "dropboxusercontent.com": "Dropbox",
    "docusign.net": "DocuSign",
    "docusign.com": "DocuSign",
    "wetransfer.com": "WeTransfer",
    "we.tl": "WeTransfer",
    "box.com": "Box",
    "notion.site": "Notion",
    "icloud.com": "iCloud",
    "adobe.com": "Adobe",
}
# Words of a document-sharing invitation.
_LURE = re.compile(
    r"\b(shared (?:a |an |the )?(?:file|document|folder|pdf|spreadsheet)s? with you|"
    r"(?:has|have) (?:sent|shared) you (?:a |an )?(?:file|document|secure|fax|message)|"
    r"(?:view|review|open|access|sign) (?:the |your )?(?:shared )?(?:document|pdf|invoice|fax|"
    r"statement|agreement|contract)s?|document (?:is )?(?:ready|waiting|pending) "
    r"(?:for|to) (?:your )?(?:review|signature|sign)|please (?:review and )?sign|"
    r"(?:secure|encrypted) (?:document|message|file)|new (?:voice ?mail|fax) (?:message|received)|"
    r"docu ?sign|one ?drive|share ?point|shared (?:document|file))\b"
)


def service_of(host: str) -> str | None:
    """The document service a host belongs to, or ``None``."""
    for domain, service in DOCUMENT_SERVICES.items():
        if host == domain or host.endswith("." + domain):
            return service
    return None


class DocumentLureCheck(Check):
    """A shared-document invitation from a sender who is not trusted."""

    name = "document_lure"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        if mail.from_address and context.trusted.is_trusted_address(mail.from_address):
            return []
        web_links = [link for link in mail.links if link.scheme in ("http", "https") and link.host]
        if not web_links:
            return []
        words = fold(mail.subject + "\n" + mail.text[:20_000] + "\n" + mail.html_text[:20_000])
        lure = _LURE.search(words)
        if not lure:
            return []
        sender = mail.from_address or "an unknown sender"
        for link in web_links:
            service = service_of(link.host)
            if service:
                return [
                    Hit(
                        "document_lure.service_link",
                        Severity.MEDIUM,
                        f"This email invites you to open a shared document on {service}, but it "
                        f"comes from {sender}, who is not one of your trusted contacts. Fake "
                        "'shared document' emails lead to pages that steal passwords. Ask the "
                        "sender by phone whether they really sent it.",
                    )
                ]
        return [
            Hit(
                "document_lure.wording",
                Severity.MEDIUM,
                f"This email from {sender} talks about a document waiting for you, but its links "
                "do not go to a document service. Fake document notices lead to pages that steal "
                "passwords. Do not sign in anywhere from this email.",
            )
        ]
