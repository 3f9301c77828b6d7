"""``civicshield mail scan`` and ``mail report``: the command-line contract."""

from __future__ import annotations

import email
import email.policy

from civicshield.cli.mail import ERROR_TRUSTED_UNREADABLE
from civicshield.core.mail import ERROR_EMPTY, ERROR_NOT_EMAIL
from civicshield.core.mail.sources import ERROR_NOT_FOUND
from tests.core.mail_helpers import FIXTURES, make_mail
from tests.helpers import run_cli

CONTRACT_KEYS = {"path", "message_id", "verdict", "score", "findings"}


def _mbox(*messages: bytes) -> bytes:
    return b"".join(b"From x@example.org Thu Nov 26 09:00:00 2026\n" + m + b"\n" for m in messages)


def test_it_prints_one_contract_line_per_message(tmp_path):
    (tmp_path / "a.eml").write_bytes(make_mail(text="See you at 3."))
    (tmp_path / "b.eml").write_bytes(make_mail(name="PayPal", address="x@paypa1.com"))
    result = run_cli("mail", "scan", str(tmp_path / "a.eml"), str(tmp_path / "b.eml"))
    assert result.exit_status == 0
    lines = result.json_lines
    assert [set(line) for line in lines] == [CONTRACT_KEYS, CONTRACT_KEYS]
    assert lines[0]["verdict"] == "clean"
    assert lines[1]["verdict"] in ("phishing", "suspicious")
    assert {"check", "severity", "detail"} == set(lines[1]["findings"][0])
    assert "Scanned 2 message(s)" in result.stderr


def test_bad_messages_get_an_error_field_and_the_run_goes_on(tmp_path):
    for name in ("1-empty.eml", "2-image.png.eml"):
        source = FIXTURES / ("empty/empty.eml" if "empty" in name else "not-email/image.png.eml")
        (tmp_path / name).write_bytes(source.read_bytes())
    (tmp_path / "3-good.eml").write_bytes(make_mail())
    (tmp_path / "4-truncated.eml").write_bytes(
        (FIXTURES / "truncated" / "cut-in-attachment.eml").read_bytes()
    )
    result = run_cli("mail", "scan", str(tmp_path), str(tmp_path / "nope.eml"))
    assert result.exit_status == 0
    lines = result.json_lines
    assert [line.get("error") for line in lines] == [
        ERROR_EMPTY,
        ERROR_NOT_EMAIL,
        None,
        None,
        ERROR_NOT_FOUND,
    ]
    assert lines[2]["verdict"] == "clean" and lines[3]["verdict"] in ("clean", "suspicious")
    assert "3 could not be read" in result.stderr


def test_it_scans_mbox_maildir_and_stdin(tmp_path):
    box = tmp_path / "inbox.mbox"
    box.write_bytes(_mbox(make_mail(subject="a"), make_mail(subject="b")))
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(make_mail())
    result = run_cli("mail", "scan", str(box), str(maildir), "-", stdin=make_mail())
    paths = [line["path"] for line in result.json_lines]
    assert paths == [f"{box}#1", f"{box}#2", str(maildir / "new" / "1.host"), "-"]


def test_trusted_contacts_and_own_domains_change_the_verdict(tmp_path):
    raw = make_mail(name="Sarah Jones", address="sarah.jones@parliament-uk.co")
    (tmp_path / "m.eml").write_bytes(raw)
    contacts = tmp_path / "contacts.vcf"
    contacts.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Sarah Jones\nEMAIL:sarah.jones@parliament.uk\nEND:VCARD\n"
    )
    without = run_cli("mail", "scan", str(tmp_path / "m.eml")).json_lines[0]
    with_contacts = run_cli(
        "mail", "scan", str(tmp_path / "m.eml"), "--trusted", str(contacts)
    ).json_lines[0]
    assert with_contacts["verdict"] == "phishing"
    assert with_contacts["score"] > without["score"]
    assert any("Sarah Jones" in f["detail"] for f in with_contacts["findings"])
    own = run_cli(
        "mail", "scan", str(tmp_path / "m.eml"), "--own-domain", "parliament.uk"
    ).json_lines[0]
    assert any(f["check"] == "lookalike_sender" for f in own["findings"])


def test_an_unreadable_trusted_file_stops_the_command(tmp_path):
    missing = tmp_path / "missing.csv"
    result = run_cli("mail", "scan", "-", "--trusted", str(missing), stdin=make_mail())
    assert result.exit_status != 0
    assert result.stdout == ""
    expected = ERROR_TRUSTED_UNREADABLE.format(path=missing, reason="No such file or directory")
    assert expected in result.stderr


def test_report_writes_the_ncsc_email(tmp_path):
    (tmp_path / "bad.eml").write_bytes(make_mail(subject="Verify your account"))
    out = tmp_path / "report.eml"
    result = run_cli(
        "mail",
        "report",
        str(tmp_path / "bad.eml"),
        "--reporter",
        "tom@parliament.uk",
        "--output",
        str(out),
    )
    assert result.exit_status == 0
    report = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert report["To"] == "report@phishing.gov.uk"
    assert [a.get_content_type() for a in report.iter_attachments()] == ["message/rfc822"]
    printed = run_cli("mail", "report", "-", "--reporter", "tom@parliament.uk", stdin=make_mail())
    assert printed.exit_status == 0 and "report@phishing.gov.uk" in printed.stdout


def test_report_refuses_a_bad_reporter_or_missing_file(tmp_path):
    result = run_cli("mail", "report", "-", "--reporter", "nobody", stdin=make_mail())
    assert result.exit_status != 0 and "reporter must be an email address" in result.stderr
    result = run_cli("mail", "report", str(tmp_path / "x.eml"), "--reporter", "a@b.example")
    assert result.exit_status != 0 and ERROR_NOT_FOUND in result.stderr


def test_an_enormous_file_is_an_error_line_not_a_crash(tmp_path, monkeypatch):
    import civicshield.core.mail.sources as sources

    monkeypatch.setattr(sources, "MAX_MESSAGE_BYTES", 1000)
    (tmp_path / "big.eml").write_bytes(make_mail(text="x" * 5000))
    (tmp_path / "small.eml").write_bytes(make_mail())
    lines = run_cli("mail", "scan", str(tmp_path)).json_lines
    assert lines[0]["path"].endswith("big.eml") and "larger than" in lines[0]["error"]
    assert lines[1]["verdict"] == "clean"


def test_an_outlook_msg_file_is_scanned_like_an_email(tmp_path):
    from tests.outlook_msg import write_outlook_msg

    trusted = tmp_path / "contacts.csv"
    trusted.write_text("name,email\nSarah Jones,sarah.jones@parliament.uk\n")
    path = write_outlook_msg(
        tmp_path / "briefing.msg",
        subject="Updated briefing",
        sender_name="Sarah Jones",
        sender_email="sarah.jones@parliament-uk.co",
        to="office@parliament.uk",
        body="The briefing is attached.",
        attachment=("briefing.pdf.exe", b"MZ" + bytes(200)),
    )
    result = run_cli("mail", "scan", str(path), "--trusted", str(trusted))
    assert result.exit_status == 0
    [line] = result.json_lines
    assert line["path"] == str(path) and line["verdict"] == "phishing"
    details = " ".join(f["detail"] for f in line["findings"])
    assert "Sarah Jones" in details and "briefing.pdf.exe" in details
