"""Attachments that run or hide code: programs, disk images, shortcuts, macros, locked archives."""

from __future__ import annotations

import io
import logging
import zipfile

from civicshield.core.findings import Severity
from civicshield.core.mail.checks.base import Check, CheckContext, Hit
from civicshield.core.mail.checks.credential_form import is_html_attachment
from civicshield.core.mail.parse import Attachment, ParsedMail

EXECUTABLE_EXTENSIONS = frozenset(
    {
        ".exe",
        ".scr",
        ".com",
        ".bat",
        ".cmd",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".hta",
        ".ps1",
        ".msi",
        ".msp",
        ".jar",
        ".cpl",
        ".pif",
        ".reg",
        ".dll",
        ".appx",
        ".msix",
        ".application",
        ".gadget",
        ".sct",
        ".chm",
        ".xll",
        ".url",
        ".scf",
        ".onepkg",
        ".one",
        ".apk",
        ".sh",
        ".py",
        ".wsc",
        ".inf",
    }
)
CONTAINER_EXTENSIONS = frozenset({".iso", ".img", ".vhd", ".vhdx", ".lnk", ".udf"})
ARCHIVE_EXTENSIONS = frozenset({".zip", ".rar", ".7z", ".ace", ".gz", ".tar", ".cab", ".arj", ".z"})
OFFICE_EXTENSIONS = frozenset(
    {
        ".doc",
        ".docm",
        ".dot",
        ".dotm",
        ".xls",
        ".xlsm",
        ".xlsb",
        ".xlt",
        ".xltm",
        ".xla",
        ".xlam",
        ".ppt",
        ".pptm",
        ".pps",
        ".ppsm",
        ".potm",
        ".rtf",
        ".docx",
        ".xlsx",
        ".pptx",
    }
)
# Harmless-looking first extensions in "invoice.pdf.exe" tricks.
DOCUMENT_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".jpg",
        ".jpeg",
        ".png",
        ".txt",
        ".csv",
        ".ppt",
        ".pptx",
        ".rtf",
        ".mp3",
        ".mp4",
        ".wav",
        ".gif",
        ".eml",
        ".msg",
        ".odt",
    }
)
MAX_MACRO_SCAN_BYTES = 15 * 1024 * 1024


def _extensions(filename: str) -> list[str]:
    name = filename.lower().strip().rstrip(". ")
    parts = name.split(".")
    return ["." + part.strip() for part in parts[1:] if part.strip()]


def has_macros(data: bytes, filename: str) -> bool:
    """True when oletools finds VBA or XLM macros in an Office file."""
    if not data or len(data) > MAX_MACRO_SCAN_BYTES:
        return False
    from oletools.olevba import VBA_Parser  # heavy: imported only for Office attachments

    logging.getLogger("olevba").setLevel(logging.CRITICAL)
    try:
        parser = VBA_Parser(filename or "attachment", data=data)
    except Exception:  # noqa: BLE001 - oletools raises many types on non-Office data: not macros
        return False
    try:
        # olevba reads anything it does not recognise as VBA source text ("Text") and then
        # reports "macros" for any file; only real Office containers count.
        if parser.type == "Text":
            return False
        return bool(parser.detect_vba_macros())
    except Exception:  # noqa: BLE001 - a damaged file is not evidence of macros
        return False
    finally:
        parser.close()


def _zip_findings(data: bytes) -> tuple[bool, list[str]]:
    """(any entry encrypted, names of risky files inside)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()[:1000]
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError):
        return False, []
    encrypted = any(info.flag_bits & 0x1 for info in infos)
    risky = [
        info.filename
        for info in infos
        if _extensions(info.filename)
        and _extensions(info.filename)[-1] in EXECUTABLE_EXTENSIONS | CONTAINER_EXTENSIONS
    ]
    return encrypted, risky


class RiskyAttachmentCheck(Check):
    """Dangerous attachments, one finding per kind."""

    name = "risky_attachment"

    def run(self, mail: ParsedMail, context: CheckContext) -> list[Hit]:
        found: dict[str, Hit] = {}
        for attachment in mail.attachments:
            for hit in self._check(attachment, mail):
                found.setdefault(hit.feature, hit)
        return list(found.values())

    def _check(self, attachment: Attachment, mail: ParsedMail) -> list[Hit]:
        name = attachment.filename
        extensions = _extensions(name)
        last = extensions[-1] if extensions else ""
        label = name or "an attachment"
        hits: list[Hit] = []
        if (
            len(extensions) >= 2
            and extensions[-2] in DOCUMENT_EXTENSIONS
            and (last in EXECUTABLE_EXTENSIONS | CONTAINER_EXTENSIONS | {".html", ".htm", ".svg"})
        ):
            hits.append(
                Hit(
                    "risky_attachment.double_extension",
                    Severity.HIGH,
                    f"The attachment {label} pretends to be a {extensions[-2][1:].upper()} file "
                    f"but is really a {last[1:].upper()} file. Do not open it.",
                )
            )
        if last in EXECUTABLE_EXTENSIONS:
            hits.append(
                Hit(
                    "risky_attachment.executable",
                    Severity.HIGH,
                    f"The attachment {label} is a program or script that would run on your "
                    "computer. Do not open it; ask the sender by phone what it is.",
                )
            )
        elif last in CONTAINER_EXTENSIONS:
            hits.append(
                Hit(
                    "risky_attachment.disk_image",
                    Severity.HIGH,
                    f"The attachment {label} is a disk image or shortcut, a way to slip programs "
                    "past security checks. Do not open it.",
                )
            )
        elif is_html_attachment(name, attachment.content_type) and name:
            hits.append(
                Hit(
                    "risky_attachment.html",
                    Severity.MEDIUM,
                    f"The attachment {label} is a web page. It opens in your browser and can show "
                    "a fake sign-in page. Do not enter any password into it.",
                )
            )
        elif last in OFFICE_EXTENSIONS and has_macros(attachment.payload, name):
            hits.append(
                Hit(
                    "risky_attachment.macro",
                    Severity.HIGH,
                    f"The Office document {label} contains macros (small programs). Do not open "
                    "it, and never press 'Enable content'.",
                )
            )
        elif last in ARCHIVE_EXTENSIONS or attachment.content_type in (
            "application/zip",
            "application/x-zip-compressed",
        ):
            encrypted, risky = _zip_findings(attachment.payload)
            body = (mail.body_text[:20_000] + mail.subject).lower()
            if encrypted or (last in {".rar", ".7z", ".ace"} and "password" in body):
                hits.append(
                    Hit(
                        "risky_attachment.encrypted_archive",
                        Severity.HIGH,
                        f"The attachment {label} is a password-protected archive. Criminals lock "
                        "archives so that virus scanners cannot look inside. Do not open it.",
                    )
                )
            if risky:
                hits.append(
                    Hit(
                        "risky_attachment.executable",
                        Severity.HIGH,
                        f"The archive {label} contains a program or shortcut ({risky[0]}). Do not "
                        "open it.",
                    )
                )
        return hits
