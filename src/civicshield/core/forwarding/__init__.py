"""The forwarding audit: find every place a mailbox sends mail to another address.

Pure functions over what the connectors fetched (Sieve script text, Microsoft Graph and Gmail
JSON); no network here. Any forwarding to an address outside the office's own domains is an
alert (``ForwardingFinding.alert``); every run returns a ``ForwardingAudit`` the web app logs.
"""

from civicshield.core.forwarding.findings import (
    HACKED_ADVICE,
    ForwardingAudit,
    ForwardingFinding,
    is_internal,
)
from civicshield.core.forwarding.gmail import analyse_gmail
from civicshield.core.forwarding.graph import analyse_exchange_mailbox, analyse_graph_rules
from civicshield.core.forwarding.sieve import SieveSyntaxError, analyse_sieve_scripts

__all__ = [
    "HACKED_ADVICE",
    "ForwardingAudit",
    "ForwardingFinding",
    "SieveSyntaxError",
    "analyse_exchange_mailbox",
    "analyse_gmail",
    "analyse_graph_rules",
    "analyse_sieve_scripts",
    "is_internal",
]
