"""Demo data for mail security: a few trusted contacts and one checked phishing example."""

from __future__ import annotations

import hashlib

from civicshield.core.mail import analyse
from civicshield.web.accounts.models import Office
from civicshield.web.mailguard.models import ScannedEmail, TrustedContact
from civicshield.web.mailguard.services import findings_as_json, office_trusted_directory

DEMO_CONTACTS = [
    ("Sarah Jones", "sarah.jones@parliament.uk", "020 7219 3000"),
    ("Dev Shah", "dev.shah@westshire.gov.uk", "01632 960 111"),
    ("Amira Khan", "amira.khan@nhs.net", ""),
    ("Westshire Police Liaison", "liaison@westshire.police.uk", "01632 960 999"),
]

DEMO_PHISHING = (
    b"From: Sarah Jones <sarah.jones@parliarnent-uk.com>\r\n"
    b"To: office@parliament.uk\r\n"
    b"Subject: Urgent: briefing for tomorrow's debate\r\n"
    b"Message-ID: <demo-briefing@parliarnent-uk.com>\r\n"
    b"Date: Thu, 26 Nov 2026 08:12:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>Hi, the whips need your comments on the attached briefing before 10am today.</p>\r\n"
    b'<p><a href="http://parliarnent-uk.com/sharepoint/login">Open the document</a></p>\r\n'
)


def seed_demo_mailguard(office: Office) -> None:
    """Add demo trusted contacts and one checked (phishing) email to ``office``."""
    for name, email, phone in DEMO_CONTACTS:
        TrustedContact.objects.get_or_create(
            office=office, email=email, defaults={"name": name, "phone": phone}
        )
    result = analyse(DEMO_PHISHING, trusted=office_trusted_directory(office))
    ScannedEmail.objects.get_or_create(
        office=office,
        raw_sha256=hashlib.sha256(DEMO_PHISHING).hexdigest(),
        defaults={
            "message_id": result.message_id,
            "subject": result.subject,
            "sender": result.sender,
            "verdict": result.verdict,
            "score": result.score,
            "findings": findings_as_json(result),
            "raw": DEMO_PHISHING,
        },
    )
