"""Finding messages in files, mbox files, Maildirs, folders and stdin."""

from __future__ import annotations

import io

from civicshield.core.mail import RawMessage, SourceError, iter_messages
from civicshield.core.mail.sources import ERROR_MSG_UNREADABLE, ERROR_NOT_FOUND
from tests.outlook_msg import write_outlook_msg

from .mail_helpers import make_mail


def _mbox(*messages: bytes) -> bytes:
    return b"".join(
        b"From sender@example.org Thu Nov 26 09:00:00 2026\n" + m + b"\n" for m in messages
    )


def test_it_splits_an_mbox_and_names_each_message(tmp_path):
    # mbox writers quote body lines starting "From " as ">From "; reading undoes it.
    first = make_mail(subject="one", text=">From here on it is a body line.\n")
    path = tmp_path / "box.mbox"
    path.write_bytes(_mbox(first, make_mail(subject="two"), make_mail(subject="three")))
    items = list(iter_messages([str(path)]))
    assert [item.path for item in items] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert all(isinstance(item, RawMessage) for item in items)
    assert b"Subject: two" in items[1].data
    assert b"\nFrom here on it is a body line." in items[0].data


def test_it_reads_a_maildir_new_and_cur(tmp_path):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1.host").write_bytes(make_mail(subject="new one"))
    (tmp_path / "cur" / "2.host:2,S").write_bytes(make_mail(subject="read one"))
    (tmp_path / "tmp" / "3.host").write_bytes(make_mail(subject="half delivered"))
    items = list(iter_messages([str(tmp_path)]))
    assert [item.path.rsplit("/", 2)[-2] for item in items] == ["new", "cur"]


def test_it_walks_folders_in_order_and_reports_missing_paths(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.eml").write_bytes(make_mail(subject="a"))
    (tmp_path / "b" / "c.eml").write_bytes(make_mail(subject="c"))
    (tmp_path / ".hidden.eml").write_bytes(make_mail(subject="hidden"))
    items = list(iter_messages([str(tmp_path), str(tmp_path / "missing.eml")]))
    assert [item.path.rsplit("/", 1)[-1] for item in items] == ["a.eml", "c.eml", "missing.eml"]
    assert items[-1] == SourceError(str(tmp_path / "missing.eml"), ERROR_NOT_FOUND)


def test_it_reads_stdin_as_one_message_or_an_mbox():
    one = list(iter_messages(["-"], io.BytesIO(make_mail())))
    assert len(one) == 1 and one[0].path == "-"
    many = list(iter_messages(["-"], io.BytesIO(_mbox(make_mail(), make_mail()))))
    assert [item.path for item in many] == ["-#1", "-#2"]


def test_a_damaged_outlook_file_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "broken.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert list(iter_messages([str(path)])) == [SourceError(str(path), ERROR_MSG_UNREADABLE)]


def test_an_outlook_file_is_converted_to_an_email(tmp_path):
    # A real .msg, written with extract-msg's OLE writer (tests/outlook_msg.py).
    path = write_outlook_msg(
        tmp_path / "letter.msg",
        subject="from outlook",
        sender_name="Alex Example",
        sender_email="alex@example.org",
        to="office@parliament.uk",
        body="See the attached note.",
        attachment=("note.txt", b"hello"),
    )
    [item] = list(iter_messages([str(path)]))
    assert isinstance(item, RawMessage) and item.path == str(path)
    assert b"Subject: from outlook" in item.data
    assert b"From: Alex Example <alex@example.org>" in item.data
    assert b'filename="note.txt"' in item.data


def test_an_eml_file_with_an_envelope_line_stays_one_message(tmp_path):
    path = tmp_path / "exported.eml"
    path.write_bytes(b"From alex@example.org Thu Nov 26 09:00:00 2026\n" + make_mail())
    [item] = list(iter_messages([str(path)]))
    assert item.path == str(path)
