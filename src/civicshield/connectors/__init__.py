"""Adapters for outside systems (IMAP, ManageSieve, SMTP, Graph, Gmail, ...). No Django here.

The web app's jobs call these; each raises ``ConnectorError`` subclasses with plain-words
messages and a ``retryable`` flag.
"""

from civicshield.connectors.base import (
    AuthenticationFailed,
    ConnectorError,
    MailboxSettings,
    ProtocolFailed,
    ServerUnreachable,
    SieveSettings,
    SmtpSettings,
    TlsFailed,
)
from civicshield.connectors.gmail import GmailClient, audit_gmail
from civicshield.connectors.graph import ExchangeAdminClient, GraphClient, audit_microsoft365
from civicshield.connectors.imap import FetchedMessage, ImapCursor, ImapMailbox
from civicshield.connectors.ingest import IngestMessage, parse_for_ingest
from civicshield.connectors.managesieve import SieveAccount, SieveScripts, audit_sieve
from civicshield.connectors.smtp import MessageRefused, SendResult, send_message
from civicshield.connectors.watcher import (
    PHISHING,
    SCANNED,
    SUSPICIOUS,
    MailSource,
    WatchedMessage,
    WatchResult,
    watch_once,
)

__all__ = [
    "PHISHING",
    "SCANNED",
    "SUSPICIOUS",
    "AuthenticationFailed",
    "ConnectorError",
    "ExchangeAdminClient",
    "FetchedMessage",
    "GmailClient",
    "GraphClient",
    "ImapCursor",
    "ImapMailbox",
    "IngestMessage",
    "MailSource",
    "MailboxSettings",
    "MessageRefused",
    "ProtocolFailed",
    "SendResult",
    "ServerUnreachable",
    "SieveAccount",
    "SieveScripts",
    "SieveSettings",
    "SmtpSettings",
    "TlsFailed",
    "WatchResult",
    "WatchedMessage",
    "audit_gmail",
    "audit_microsoft365",
    "audit_sieve",
    "parse_for_ingest",
    "send_message",
    "watch_once",
]
