"""The label rules on hand-written cases: what must be flagged, and what must not."""

from __future__ import annotations

import pytest

from civicshield.core.abuse import AbuseResult, Severity, Span, classify, classify_many


@pytest.mark.parametrize(
    "text",
    [
        "I am going to kill you",
        "Someone should shoot you for this",
        "I know where you live.",
        "Watch your back, councillor.",
        "You'll end up like Jo Cox.",
        "We know where your kids go to school",
        "Hope you die in a fire",
        "You deserve to be hanged",
    ],
)
def test_threats_direct_and_veiled_are_critical(text):
    result = classify(text)
    assert "threat" in result.labels
    assert result.abusive
    assert result.severity is Severity.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "I will k.i.l.l you",
        "i'm gonna k1ll u",
        "I will kіll yоu",  # Cyrillic і and о
        "I'll st@b y0u",
        "gonna m u r d e r you",
        "I'll kiiiiill you",
        "𝐈 𝐰𝐢𝐥𝐥 𝐤𝐢𝐥𝐥 𝐲𝐨𝐮",
    ],
)
def test_obfuscated_threats_are_caught(text):
    assert "threat" in classify(text).labels


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt you.",
        "I'm not going to kill anyone, I'm just angry about the vote",
        "He was jailed for threatening to kill her.",
        "Telling an MP 'I know where you live' is a crime.",
        "Messages saying 'watch your back' should be reported to the police.",
    ],
)
def test_negated_or_reported_threats_are_not_threats(text):
    assert "threat" not in classify(text).labels


@pytest.mark.parametrize(
    "text",
    [
        "Your policy is killing the NHS.",
        "Vote her out.",
        "You have betrayed this town and I will campaign to get you out.",
        "The budget is a disgrace and the minister should resign.",
        "Kill the bill!",
        "This commute is killing me",
    ],
)
def test_political_criticism_is_not_abuse(text):
    result = classify(text)
    assert not result.abusive, result
    assert result.severity is Severity.NONE
    assert result.score < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "I'm a proud gay man",
        "As a Muslim woman I'm standing for council",
        "Calling her a faggot is disgusting",
        "Immigrants are not vermin, they are our neighbours",
        "I don't hate Muslims",
    ],
)
def test_identity_mentions_counter_speech_and_negation_are_not_hate(text):
    assert "hate" not in classify(text).labels


@pytest.mark.parametrize(
    "text",
    [
        "Muslims are vermin",
        "Go back to your own country",
        "Immigrants are parasites",
        "g4ys are perverts",
    ],
)
def test_hate_against_protected_groups(text):
    assert "hate" in classify(text).labels


def test_swearing_not_aimed_at_anyone_is_profanity_only():
    result = classify("fuck this weather")
    assert result.labels == ("profanity",)
    assert result.severity is Severity.LOW


def test_insult_aimed_at_the_person_is_harassment():
    result = classify("you fucking idiot")
    assert "harassment" in result.labels


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("She lives at 12 Acacia Avenue, SW1A 1AA, go and visit", Severity.CRITICAL),
        ("Your daughter goes to St Mary's Primary, doesn't she", Severity.CRITICAL),
        ("Here's his personal mobile, ring him: 07700 900123", Severity.HIGH),
    ],
)
def test_doxxing(text, severity):
    result = classify(text)
    assert "doxxing" in result.labels
    assert result.severity.rank >= severity.rank


def test_a_constituent_giving_their_own_number_is_not_doxxing():
    result = classify("Please call me back on 07700 900123 about my housing case.")
    assert "doxxing" not in result.labels


def test_sexual_harassment_and_sexual_threats():
    assert "sexual" in classify("send me your nudes").labels
    threat = classify("I'm going to rape you")
    assert {"sexual", "threat"} <= set(threat.labels)
    assert threat.severity is Severity.CRITICAL


def test_spam_scam():
    assert "spam_scam" in classify("Earn 500 a day with bitcoin trading, DM me for details").labels


def test_reasons_are_plain_words_quoting_the_message():
    result = classify("I know where you live")
    assert any("I know where you live" in reason for reason in result.reasons)
    assert all(reason[0].isupper() for reason in result.reasons)


def test_result_shape_and_to_dict():
    result = classify("you are scum")
    assert isinstance(result, AbuseResult)
    assert all(isinstance(span, Span) for span in result.spans)
    data = result.to_dict()
    assert set(data) == {"abusive", "score", "labels", "severity", "spans", "reasons"}
    assert data["severity"] == str(result.severity)
    assert 0.0 <= data["score"] <= 1.0
    assert (data["score"] >= 0.5) == data["abusive"]


def test_classify_many_keeps_order_and_matches_classify():
    texts = ["hello there", "I will kill you", "lovely weather", "you are scum"] * 100
    many = list(classify_many(iter(texts), batch_size=7))
    assert len(many) == len(texts)
    assert [r.abusive for r in many[:4]] == [False, True, False, True]
    assert many[1] == classify("I will kill you")


def test_empty_iterable():
    assert list(classify_many([])) == []
