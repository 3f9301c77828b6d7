"""A QR code that opens a web page: the link is moved to a phone, out of sight of the checks."""

from __future__ import annotations

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.parse import ParsedMail


class QrCodeCheck(Check):
    """A picture in the email holds a QR code with a web address (read by ``qr_codes.py``).

    The address itself goes through the link checks like any other link; this finding says
    that it is there at all, because an email has no reason to ask you to open a page with
    your phone. Mail from the office's own contacts and domains is left alone here (a
    colleague's event flyer); forgeries of them are the sender checks' job."""

    name = "qr_code"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        hosts = list(dict.fromkeys(link.host or link.url for link in mail.links if link.in_qr_code))
        if not hosts or context.trusted.is_trusted_address(mail.from_address):
            return []
        if context.is_trusted_domain(mail.from_domain):
            return []
        return [
            Hit(
                "qr_code.link",
                Severity.MEDIUM,
                f"A picture in this email is a QR code that opens a web page ({', '.join(hosts)}). "
                "Scam emails use QR codes so that the page is opened on a phone, where the "
                "address is hard to check and the office's protections do not reach. Do not "
                "scan it; if it claims to come from an organisation you deal with, go to their "
                "website or app yourself.",
            )
        ]
