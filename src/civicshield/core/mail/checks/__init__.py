"""The registry of mail checks: adding a check is a module plus one line here."""

from __future__ import annotations

from civicshield.core.mail.checks.authentication import AuthenticationCheck
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.checks.credential_form import CredentialFormCheck
from civicshield.core.mail.checks.deceptive_link import DeceptiveLinkCheck
from civicshield.core.mail.checks.display_name import DisplayNameCheck
from civicshield.core.mail.checks.document_lure import DocumentLureCheck
from civicshield.core.mail.checks.hidden_text import HiddenTextCheck
from civicshield.core.mail.checks.layout import LayoutCheck
from civicshield.core.mail.checks.lookalike_sender import LookalikeSenderCheck
from civicshield.core.mail.checks.lure_topic import LureTopicCheck
from civicshield.core.mail.checks.mass_mailing import MassMailingCheck
from civicshield.core.mail.checks.pressure_language import PressureLanguageCheck
from civicshield.core.mail.checks.qr_code import QrCodeCheck
from civicshield.core.mail.checks.reply_mismatch import ReplyMismatchCheck
from civicshield.core.mail.checks.risky_attachment import RiskyAttachmentCheck
from civicshield.core.mail.checks.risky_link import RiskyLinkCheck
from civicshield.core.mail.checks.sender_address import SenderAddressCheck
from civicshield.core.mail.parse import ParsedMail

__all__ = ["CHECKS", "Check", "CheckContext", "Hit", "run_checks"]

CHECKS: tuple[Check, ...] = (
    SenderAddressCheck(),
    DisplayNameCheck(),
    LookalikeSenderCheck(),
    ReplyMismatchCheck(),
    AuthenticationCheck(),
    DeceptiveLinkCheck(),
    RiskyLinkCheck(),
    CredentialFormCheck(),
    DocumentLureCheck(),
    RiskyAttachmentCheck(),
    PressureLanguageCheck(),
    HiddenTextCheck(),
    LayoutCheck(),
    LureTopicCheck(),
    MassMailingCheck(),
    QrCodeCheck(),
)


def run_checks(mail: ParsedMail, context: CheckContext) -> list[tuple[str, Hit]]:
    """Every check's hits as (check name, hit), in registry order."""
    return [(check.name, hit) for check in CHECKS for hit in check.run(mail, context)]
