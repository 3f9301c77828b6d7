"""Spreadsheet-safe CSV cells."""

from __future__ import annotations


def csv_cell(value: str) -> str:
    """Prefix a quote when a cell would start a formula (=, +, -, @...): CSV injection."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
