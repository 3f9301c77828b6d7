"""``civicshield passphrase``: words, counts, and a strength check that never echoes it."""

from __future__ import annotations

import json

import pytest

from civicshield.cli.passphrase import ERROR_COUNT, ERROR_NOTHING_ON_STDIN
from civicshield.cli.status import ExitStatus
from civicshield.core.passphrase import ERROR_WORD_COUNT, wordlist
from tests.helpers import run_cli


def test_it_prints_one_three_word_passphrase():
    result = run_cli("passphrase")
    assert result.exit_status == ExitStatus.SUCCESS
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert len(lines[0].split("-")) == 3
    assert all(word in wordlist() for word in lines[0].split("-"))


def test_it_prints_count_passphrases_of_n_words():
    result = run_cli("passphrase", "--words", "5", "--count", "4")
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert all(len(line.split("-")) == 5 for line in lines)


def test_it_uses_the_separator():
    result = run_cli("passphrase", "--separator", " ")
    assert len(result.stdout.strip().split(" ")) == 3


@pytest.mark.parametrize("words", ["2", "13", "0"])
def test_it_refuses_a_word_count_outside_3_to_12(words):
    result = run_cli("passphrase", "--words", words)
    assert result.exit_status == ExitStatus.USAGE
    assert ERROR_WORD_COUNT in result.stderr
    assert result.stdout == ""


def test_it_refuses_a_word_count_that_is_not_a_number():
    result = run_cli("passphrase", "--words", "three")
    assert result.exit_status == ExitStatus.USAGE
    assert "must be a whole number" in result.stderr


def test_it_refuses_a_silly_count():
    result = run_cli("passphrase", "--count", "1000")
    assert result.exit_status == ExitStatus.USAGE
    assert ERROR_COUNT in result.stderr


def test_check_reports_a_weak_password_without_echoing_it():
    result = run_cli("passphrase", "--check", stdin=b"password1\n")
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert "Score:" in result.stdout
    assert "three random words" in result.stdout
    assert "password1" not in result.stdout + result.stderr


def test_check_passes_a_strong_passphrase():
    result = run_cli("passphrase", "--check", stdin=b"orbit-paddle-granite-velvet\n")
    assert result.exit_status == ExitStatus.SUCCESS
    assert "Strong" in result.stdout or "Good" in result.stdout
    assert "orbit" not in result.stdout


def test_check_as_json():
    result = run_cli(
        "passphrase", "--check", "--json", "--user-input", "Anytown", stdin=b"Anytown2024!"
    )
    report = json.loads(result.stdout)
    assert report["acceptable"] is False
    assert 0 <= report["score"] <= 2
    assert "Anytown2024" not in result.stdout


def test_check_with_nothing_on_stdin_says_so():
    result = run_cli("passphrase", "--check", stdin=b"")
    assert result.exit_status == ExitStatus.ERROR
    assert ERROR_NOTHING_ON_STDIN in result.stderr
