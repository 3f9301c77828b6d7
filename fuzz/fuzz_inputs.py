"""atheris fuzz target for every parser of untrusted input (see fuzz/README.md)."""

from __future__ import annotations

import io
import os
import sys

import atheris

with atheris.instrument_imports(include=["civicshield"]):
    from civicshield.core.abuse import classify
    from civicshield.core.batch import InputFormatError, read_text_items
    from civicshield.core.imports import read_facebook, read_table, read_x_archive
    from civicshield.core.mail import MailParseError, analyse


def _mail(data: bytes) -> None:
    try:
        analyse(data)
    except MailParseError:
        pass


def _batch(data: bytes) -> None:
    try:
        for _ in read_text_items(io.BytesIO(data)):
            pass
    except InputFormatError:
        pass


def _classify(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    result = classify(text)
    for span in result.spans:
        if not 0 <= span.start < span.end <= len(text):
            raise AssertionError(f"span {span} outside a text of {len(text)} characters")


TARGETS = {
    "mail": _mail,
    "table": lambda data: list(read_table(data)),
    "x_archive": lambda data: list(read_x_archive(data)),
    "facebook": lambda data: list(read_facebook(data)),
    "batch": _batch,
    "classify": _classify,
}


def test_one_input(data: bytes) -> None:
    only = os.environ.get("FUZZ_TARGET")
    if only:
        TARGETS[only](data)
        return
    if not data:
        return
    # The first byte picks the target, so one run exercises all of them.
    names = sorted(TARGETS)
    TARGETS[names[data[0] % len(names)]](data[1:])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
