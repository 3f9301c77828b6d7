"""Property-based tests (hypothesis): the parsers and the classifier take ANY input without
crashing a batch. Bad input becomes an error record or a documented exception, never another
exception; the classifier's highlighted spans always lie inside the message."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicshield.core.abuse import LABELS, classify, classify_many
from civicshield.core.batch import (
    ERROR_CSV_NO_TEXT_COLUMN,
    ERROR_UNKNOWN_FORMAT,
    InputFormatError,
    ItemError,
    TextItem,
    read_text_items,
)
from civicshield.core.imports import (
    IncomingMessage,
    read_facebook,
    read_import,
    read_table,
    read_x_archive,
)
from civicshield.core.mail import MailParseError, MailVerdict, analyse

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)
row_keys = st.sampled_from(
    ["text", "message", "content", "author", "handle", "from", "id", "platform", "url"]
    + ["posted_at", "date", "created_at", "display_name", "is_direct"]
)
rows = st.dictionaries(row_keys, json_values, max_size=8)


def _all_items_well_formed(items: object) -> None:
    for item in items:  # type: ignore[attr-defined]
        assert isinstance(item, IncomingMessage | ItemError)
        if isinstance(item, IncomingMessage):
            assert item.text.strip() and item.author_handle and item.platform_id


@QUICK
@given(st.binary(max_size=3000))
def test_table_import_takes_any_bytes(data):
    _all_items_well_formed(read_table(data))


@QUICK
@given(st.lists(rows, max_size=8))
def test_table_import_takes_any_jsonl_rows(table):
    data = "\n".join(json.dumps(row) for row in table).encode()
    _all_items_well_formed(read_table(data))


@QUICK
@given(st.lists(st.lists(st.text(max_size=30), max_size=6), max_size=8), st.booleans())
def test_table_import_takes_any_csv(cells, with_text_header):
    header = "text,author,id,posted_at" if with_text_header else "a,b"
    lines = [header] + [",".join(json.dumps(c) for c in row) for row in cells]
    _all_items_well_formed(read_table("\n".join(lines).encode()))


@QUICK
@given(st.binary(max_size=3000) | json_values.map(lambda v: json.dumps(v).encode()))
def test_x_archive_and_facebook_imports_take_anything(data):
    for reader in (read_x_archive, read_facebook):
        _all_items_well_formed(reader(data))
    prefixed = b"window.YTD.direct_messages.part0 = " + data
    _all_items_well_formed(read_x_archive(prefixed))


@QUICK
@given(st.sampled_from(["table", "x_archive", "facebook"]), st.binary(max_size=2000))
def test_every_import_kind_takes_any_bytes(kind, data):
    _all_items_well_formed(read_import(kind, data, platform="mastodon", own_account_id="1"))


@QUICK
@given(st.binary(max_size=3000), st.sampled_from(["auto", "jsonl", "csv", "text"]))
def test_batch_reader_gives_an_item_or_an_error_per_line(data, fmt):
    try:
        items = list(read_text_items(io.BytesIO(data), fmt))  # type: ignore[arg-type]
    except InputFormatError as exc:
        # The documented refusal of the input as a whole (unknown format, no text column).
        assert str(exc) in (ERROR_UNKNOWN_FORMAT, ERROR_CSV_NO_TEXT_COLUMN)
        return
    for item in items:
        assert isinstance(item, TextItem | ItemError)


@QUICK
@given(st.binary(max_size=4000))
def test_mail_analysis_takes_any_bytes(raw):
    try:
        verdict = analyse(raw)
    except MailParseError:
        return
    assert isinstance(verdict, MailVerdict)


headers = st.lists(
    st.tuples(
        st.sampled_from(
            ["From", "To", "Reply-To", "Subject", "Return-Path", "Authentication-Results"]
            + ["Received", "Content-Type", "Content-Transfer-Encoding", "Date", "Message-ID"]
        ),
        st.text(max_size=80).map(lambda v: v.replace("\n", " ").replace("\r", " ")),
    ),
    min_size=1,
    max_size=8,
)


@QUICK
@given(headers, st.text(max_size=500))
def test_mail_analysis_takes_any_email_shaped_input(header_list, body):
    raw = "\r\n".join(f"{k}: {v}" for k, v in header_list) + "\r\n\r\n" + body
    try:
        verdict = analyse(raw.encode("utf-8", "surrogatepass"))
    except MailParseError:
        return
    assert isinstance(verdict, MailVerdict)


def _check_result(text, result):
    assert 0.0 <= result.score <= 1.0
    assert set(result.labels) <= set(LABELS)
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.label in LABELS


@QUICK
@given(st.text(max_size=400))
def test_the_classifier_takes_any_text_and_its_spans_are_inside_it(text):
    _check_result(text, classify(text))


@QUICK
@given(st.lists(st.text(max_size=120), max_size=10))
def test_classifying_many_gives_one_result_per_text_in_order(texts):
    results = list(classify_many(texts, batch_size=3))
    assert len(results) == len(texts)
    for text, result in zip(texts, results, strict=True):
        _check_result(text, result)
