"""Spans are offsets into the ORIGINAL text, even after leetspeak and homoglyphs are undone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicshield.core.abuse import classify
from civicshield.core.abuse.normalise import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi. I will k.i.l.l you!", "k.i.l.l you"),
        ("ok 🙂 I'll st@b y0u tomorrow", "st@b y0u"),
        ("Ι wіll kіll yоu", "kіll yоu"),
        ("I\u200b know where you live", "I\u200b know where you live"),
    ],
)
def test_threat_span_maps_to_original(text, expected):
    result = classify(text)
    threat_spans = [s for s in result.spans if s.label == "threat"]
    assert threat_spans, result
    assert any(
        expected in text[s.start : s.end] or text[s.start : s.end] in expected for s in threat_spans
    )
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)


def test_doxxing_span_is_the_detail_itself():
    text = "She lives at 12 Acacia Avenue, go round"
    result = classify(text)
    spans = [text[s.start : s.end] for s in result.spans if s.label == "doxxing"]
    assert "12 Acacia Avenue" in spans


def test_normalise_undoes_tricks():
    assert normalise("K.I.L.L").text == "kill"
    assert normalise("k1ll urs3lf").text == "kill urself"
    assert normalise("ｋｉｌｌ").text == "kill"
    assert normalise("diiiiie").text == "diie"
    assert normalise("call me at 10pm").text == "call me at 10pm"


@given(st.text(max_size=200))
def test_offsets_always_point_inside_the_original(text):
    norm = normalise(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    for start, end in zip(norm.starts, norm.ends, strict=True):
        assert 0 <= start < end <= len(text)
    if norm.text:
        start, end = norm.original_span(0, len(norm.text))
        assert 0 <= start <= end <= len(text)


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("kil1l.you !@$*🔪Ιі know where live 07700900123")),
        max_size=120,
    )
)
def test_classify_never_fails_and_spans_stay_inside(text):
    result = classify(text)
    assert result.abusive == bool(result.labels)
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.label in result.labels


def test_not_counted_hits_are_explained():
    result = classify("I would never hurt you")
    assert not result.abusive
    assert any(reason.startswith("Not counted (negated)") for reason in result.reasons)
