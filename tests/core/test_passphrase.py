"""Three random words, and the strength check that points people to them."""

from __future__ import annotations

import math
import secrets

import pytest

from civicshield.core import passphrase
from civicshield.core.passphrase import (
    ERROR_SEPARATOR,
    ERROR_WORD_COUNT,
    EXCLUDED_WORDS,
    SUGGEST_NO_PERSONAL,
    VERDICT_EMPTY,
    VERDICTS,
    entropy_bits,
    generate,
    strength,
    wordlist,
)


def test_the_word_list_is_large_and_easy_to_type():
    words = wordlist()
    assert len(words) > 7000
    assert len(set(words)) == len(words)
    assert all(word.isascii() and word.isalpha() and word.islower() for word in words)
    assert not EXCLUDED_WORDS & set(words)
    assert "prison" not in words and "drop-down" not in words


def test_it_gives_three_words_by_default():
    words = generate().split("-")
    assert len(words) == 3
    assert all(word in wordlist() for word in words)


@pytest.mark.parametrize("count", [3, 4, 7, 12])
def test_it_gives_the_number_of_words_asked_for(count):
    assert len(generate(count).split("-")) == count


def test_it_joins_with_the_separator_asked_for():
    assert len(generate(5, separator=" ").split(" ")) == 5
    assert generate(3, separator="").isalpha()


@pytest.mark.parametrize("count", [0, 2, 13, -1, True])
def test_it_refuses_too_few_or_too_many_words(count):
    with pytest.raises(ValueError, match=ERROR_WORD_COUNT):
        generate(count)


def test_it_refuses_a_separator_with_letters():
    with pytest.raises(ValueError, match=ERROR_SEPARATOR):
        generate(3, separator="and")


def test_the_randomness_comes_from_secrets(monkeypatch):
    calls = []

    def fake_choice(seq):
        calls.append(len(seq))
        return seq[len(calls)]

    monkeypatch.setattr(secrets, "choice", fake_choice)
    assert generate(4) == "-".join(wordlist()[1:5])
    assert calls == [len(wordlist())] * 4


def test_passphrases_differ():
    assert len({generate() for _ in range(50)}) == 50


def test_entropy_of_three_words_is_about_38_bits():
    assert entropy_bits(3) == pytest.approx(3 * math.log2(len(wordlist())))
    assert 38 < entropy_bits(3) < 39


def test_a_common_password_is_very_weak():
    report = strength("password1")
    assert report.score == 0
    assert report.verdict == VERDICTS[0]
    assert not report.acceptable
    assert report.warning
    assert "three random words" in report.suggestions[-1]
    assert "instantly" in report.crack_time


def test_three_random_words_are_strong():
    report = strength("correct-horse-battery-staple")
    assert report.score == 4
    assert report.acceptable
    assert report.verdict.startswith("Strong")
    assert "centuries" in report.crack_time


def test_a_generated_passphrase_is_good_enough():
    for _ in range(20):
        assert strength(generate()).score >= 3


def test_it_spots_the_persons_own_name_and_constituency():
    report = strength("Anytown2024!", user_inputs=["Jane", "Anytown"])
    assert SUGGEST_NO_PERSONAL in report.suggestions
    assert report.score <= 2
    assert strength("Anytown2024!").score >= report.score


def test_an_empty_password_is_reported_not_crashed():
    report = strength("")
    assert report.score == 0
    assert report.verdict == VERDICT_EMPTY


def test_a_very_long_password_is_checked_quickly_and_not_in_the_report():
    secret = "zq" * 5000
    report = strength(secret)
    assert secret[:20] not in str(report.to_dict())


def test_the_report_never_contains_the_password():
    secret = "Hunter2Hunter2"
    assert secret.lower() not in str(strength(secret).to_dict()).lower()


def test_the_module_uses_no_other_random_source():
    assert "import random" not in open(passphrase.__file__, encoding="utf-8").read()
