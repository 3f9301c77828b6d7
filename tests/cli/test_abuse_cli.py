"""The ``civicshield abuse classify`` contract (DESIGN.md, command-line contract)."""

from __future__ import annotations

import json

from civicshield.cli.abuse import ERROR_NO_SUCH_FILE
from civicshield.cli.status import ExitStatus
from civicshield.core.batch import (
    ERROR_NO_TEXT,
    ERROR_NOT_JSON,
    ERROR_NOT_UTF8,
    ERROR_TOO_LONG,
    ERROR_UNKNOWN_FORMAT,
)
from tests.helpers import run_cli

FIELDS = {"id", "abusive", "score", "labels", "severity", "spans", "reasons"}


def _jsonl(*records):
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def test_jsonl_in_one_line_out_per_message_same_order():
    stdin = _jsonl(
        {"id": "a", "text": "I know where you live"},
        {"id": "b", "text": "Thanks for your help with my housing case"},
        {"id": 3, "text": "you fucking idiot"},
    )
    result = run_cli("abuse", "classify", "-", stdin=stdin)
    assert result.exit_status == ExitStatus.SUCCESS
    lines = result.json_lines
    assert [line["id"] for line in lines] == ["a", "b", 3]
    assert all(set(line) == FIELDS for line in lines)
    assert lines[0]["labels"] == ["threat"] and lines[0]["severity"] == "critical"
    assert lines[1]["abusive"] is False and lines[1]["severity"] == "none"
    assert "harassment" in lines[2]["labels"]
    span = lines[0]["spans"][0]
    assert set(span) == {"start", "end", "label"}


def test_bad_lines_give_error_lines_and_the_run_goes_on():
    stdin = (
        b'{"id": 1, "text": "hello"}\n'
        b"this is not json\n"
        b'{"id": 3}\n'
        b'{"id": 4, "text": "caf\xe9 \xff"}\n'
        + b'{"id": 5, "text": "'
        + b"a" * (5 * 1024 * 1024)
        + b'"}\n'
        + b'{"id": 6, "text": "I will kill you"}\n'
    )
    result = run_cli("abuse", "classify", "--format", "jsonl", stdin=stdin)
    assert result.exit_status == ExitStatus.SUCCESS
    lines = result.json_lines
    assert len(lines) == 6
    assert lines[0]["id"] == 1 and "abusive" in lines[0]
    assert lines[1] == {"id": 2, "error": ERROR_NOT_JSON}
    assert lines[2] == {"id": 3, "error": ERROR_NO_TEXT}
    assert lines[3] == {"id": 4, "error": ERROR_NOT_UTF8}
    assert lines[4] == {"id": 5, "error": ERROR_TOO_LONG}
    assert lines[5]["id"] == 6 and "threat" in lines[5]["labels"]


def test_csv_with_text_column(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text(
        'id,author,text\nm1,bob,"Watch your back, traitor"\nm2,amy,"Lovely to meet you"\n'
    )
    result = run_cli("abuse", "classify", str(path))
    lines = result.json_lines
    assert [line["id"] for line in lines] == ["m1", "m2"]
    assert "threat" in lines[0]["labels"]
    assert lines[1]["abusive"] is False


def test_text_format_one_message_a_line():
    stdin = "I will k.i.l.l you\nhave a nice day\n\n\xff\n".encode("utf-8", "surrogateescape")
    stdin = b"I will k.i.l.l you\nhave a nice day\n\n\xff\n"
    result = run_cli("abuse", "classify", "--format", "text", stdin=stdin)
    lines = result.json_lines
    assert [line["id"] for line in lines] == [1, 2, 4]
    assert "threat" in lines[0]["labels"]
    assert lines[1]["abusive"] is False
    assert lines[2]["error"] == ERROR_NOT_UTF8


def test_no_progress_bar_when_not_a_terminal():
    result = run_cli("abuse", "classify", stdin=_jsonl({"id": 1, "text": "hi"}))
    assert result.stderr == ""


def test_missing_file_is_one_clear_line():
    result = run_cli("abuse", "classify", "/nonexistent/messages.jsonl")
    assert result.exit_status == ExitStatus.ERROR
    assert result.stderr.strip() == "civicshield: " + ERROR_NO_SUCH_FILE.format(
        path="/nonexistent/messages.jsonl"
    )


def test_unknown_format_on_stdin():
    result = run_cli("abuse", "classify", stdin=b"just some words\n")
    assert result.exit_status == ExitStatus.ERROR
    assert ERROR_UNKNOWN_FORMAT in result.stderr


def test_progress_bar_on_a_terminal(tmp_path):
    import io

    from civicshield.cli import main
    from civicshield.cli.env import Environment

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    path = tmp_path / "messages.jsonl"
    path.write_bytes(_jsonl(*({"id": i, "text": "hello"} for i in range(50))))
    out, err = io.StringIO(), Terminal()
    status = main(
        ["abuse", "classify", str(path)], Environment(stdout=out, stderr=err, variables={})
    )
    assert status == ExitStatus.SUCCESS
    assert len(out.getvalue().splitlines()) == 50
    assert "classifying" in err.getvalue()
