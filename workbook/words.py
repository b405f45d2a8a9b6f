"""Counts in words: `1 record`, `2 records`, `1 entry`, `3 entries`."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    """The count with the word it takes (``many`` when adding an s is wrong)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
