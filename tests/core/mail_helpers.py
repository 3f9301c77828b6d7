"""Build test emails in a few lines."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from civicshield.core.mail import TrustedDirectory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "emails"

OFFICE = TrustedDirectory.from_csv(
    "name,email\n"
    "Sarah Jones,sarah.jones@parliament.uk\n"
    "Priya Shah,priya.shah@camden.gov.uk\n"
    "Emma Clarke,emma.clarke@gmail.com\n",
    own_domains=["parliament.uk"],
)


def make_mail(
    *,
    name: str = "Alex Example",
    address: str = "alex@example.org",
    subject: str = "Hello",
    text: str = "Just a note.\n",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr((name, address)) if name else address
    message["To"] = "office@parliament.uk"
    message["Subject"] = subject
    message["Message-ID"] = "<test@example.org>"
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
