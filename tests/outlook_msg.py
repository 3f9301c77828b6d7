"""Write real Outlook .msg files for tests, with extract-msg's own OLE writer.

A .msg is an OLE compound file of MAPI property streams ([MS-OXMSG]). The writer here puts in
the streams Outlook itself writes for a plain email: the message class, subject, sender, plain
body, the internet headers, an empty named-property map, and (if given) one attachment. It is
independent of the reading code under test: the file is read back by extract-msg's parser.
"""

from __future__ import annotations

import struct
from pathlib import Path

from extract_msg.ole_writer import OleWriter

_PT_UNICODE = "001F"
_PT_BINARY = "0102"


def _text(value: str) -> bytes:
    return value.encode("utf-16-le")


def write_outlook_msg(
    path: Path,
    *,
    subject: str,
    sender_name: str,
    sender_email: str,
    to: str,
    body: str,
    attachment: tuple[str, bytes] | None = None,
) -> Path:
    writer = OleWriter()
    attachments = 1 if attachment else 0
    # Top-level property stream: 8 reserved bytes, next recipient id, next attachment id,
    # recipient count, attachment count, 8 reserved bytes ([MS-OXMSG] 2.4.1.1).
    header = bytes(8) + struct.pack("<IIII", 0, attachments, 0, attachments) + bytes(8)
    writer.addEntry("__properties_version1.0", header)
    headers = (
        f"From: {sender_name} <{sender_email}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nMessage-ID: <outlook-test@example.org>\r\n\r\n"
    )
    for tag, value in [
        ("001A", "IPM.Note"),  # message class
        ("0037", subject),
        ("0C1A", sender_name),
        ("0C1F", sender_email),
        ("5D01", sender_email),  # sender SMTP address
        ("1000", body),
        ("007D", headers),  # transport message headers
    ]:
        writer.addEntry(f"__substg1.0_{tag}{_PT_UNICODE}", _text(value))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("0002", "0003", "0004"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}{_PT_BINARY}", b"")
    if attachment:
        name, data = attachment
        folder = "__attach_version1.0_#00000000"
        writer.addEntry(folder, storage=True)
        # Attachment property stream: 8 reserved bytes, then 16-byte entries; the attach method
        # (0x37050003 = 1, by value) is the one fixed-size property a reader needs.
        method = struct.pack("<IIII", 0x37050003, 0x6, 1, 0)
        writer.addEntry(f"{folder}/__properties_version1.0", bytes(8) + method)
        writer.addEntry(f"{folder}/__substg1.0_3707{_PT_UNICODE}", _text(name))  # long name
        writer.addEntry(f"{folder}/__substg1.0_3704{_PT_UNICODE}", _text(name))  # short name
        writer.addEntry(f"{folder}/__substg1.0_3701{_PT_BINARY}", data)  # the file itself
    writer.write(str(path))
    return path
