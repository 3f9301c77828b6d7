"""analyse(): verdicts, scoring rules and the advice on non-clean verdicts."""

from __future__ import annotations

import json

from civicshield.core.findings import Finding
from civicshield.core.mail import ADVICE_CHECK, MailVerdict, analyse, load_scorer
from civicshield.core.mail.scoring import WEAK_FEATURES, Scorer

from .mail_helpers import OFFICE, make_mail


def test_a_trusted_contact_on_a_lookalike_domain_is_phishing_with_advice():
    raw = make_mail(
        name="Sarah Jones",
        address="sarah.jones@parliament-uk.co",
        text="Can you pay this supplier today? I'm in a meeting.",
    )
    verdict = analyse(raw, trusted=OFFICE)
    assert isinstance(verdict, MailVerdict)
    assert verdict.verdict == "phishing"
    assert verdict.sender == "Sarah Jones <sarah.jones@parliament-uk.co>"
    assert all(isinstance(f, Finding) for f in verdict.findings)
    assert verdict.findings[-1].check == ADVICE_CHECK
    assert "phone" in verdict.findings[-1].detail
    assert "report@phishing.gov.uk" in verdict.findings[-1].detail


def test_the_same_email_from_the_real_address_is_clean():
    raw = make_mail(name="Sarah Jones", address="sarah.jones@parliament.uk", text="See you at 3.")
    verdict = analyse(raw, trusted=OFFICE)
    assert verdict.verdict == "clean"
    assert verdict.findings == ()


def test_weak_signals_alone_never_make_phishing():
    scorer = Scorer(
        intercept=0.0,
        weights={f: 10.0 for f in WEAK_FEATURES},
        phishing_threshold=0.9,
        suspicious_threshold=0.5,
    )
    assert scorer.verdict(WEAK_FEATURES)[0] == "suspicious"
    for feature in WEAK_FEATURES:
        assert scorer.verdict({feature})[0] == "clean", feature
    assert scorer.verdict(set(WEAK_FEATURES) | {"display_name.brand"})[0] == "phishing"


def test_committed_weights_keep_each_weak_signal_below_phishing():
    scorer = load_scorer()
    for feature in WEAK_FEATURES:
        assert scorer.verdict({feature})[0] != "phishing", feature
    assert scorer.verdict({"authentication.fail"})[0] == "clean"
    assert all(weight >= 0 for weight in scorer.weights.values())


def test_hand_set_impersonation_features_are_phishing_alone():
    scorer = load_scorer()
    for feature in (
        "display_name.trusted_contact",
        "lookalike_sender.trusted",
        "authentication.trusted_domain_fail",
        "risky_attachment.executable",
    ):
        assert scorer.verdict({feature})[0] == "phishing", feature


def test_to_dict_is_json_ready():
    verdict = analyse(make_mail(address="x@paypa1.com", name="PayPal"))
    data = json.loads(json.dumps(verdict.to_dict()))
    assert set(data) == {"message_id", "subject", "sender", "verdict", "score", "findings"}
    assert {"check", "severity", "detail"} == set(data["findings"][0])
