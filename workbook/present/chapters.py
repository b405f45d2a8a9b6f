"""The walk-through: which chapters exist, in which order, covering which areas."""

from __future__ import annotations

from dataclasses import dataclass

from workbook.paths import CHAPTER_NOTEBOOKS


@dataclass(frozen=True)
class Chapter:
    key: str
    title: str
    notebook: str
    areas: tuple[str, ...]
    #: The top-level record fields this chapter's form edits.
    form_fields: tuple[str, ...] = ()


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "stage",
        "Stage and boundaries",
        CHAPTER_NOTEBOOKS["stage"],
        ("scope",),
        ("name", "summary", "sponsor", "stage", "target_stage", "scope"),
    ),
    Chapter("data", "Data and data gaps", CHAPTER_NOTEBOOKS["data"], ("data",), ("data",)),
    Chapter(
        "ownership",
        "Ownership, support and integration",
        CHAPTER_NOTEBOOKS["ownership"],
        ("ownership", "integration"),
        ("ownership", "integration"),
    ),
    Chapter(
        "observability",
        "Logging, observability and trust",
        CHAPTER_NOTEBOOKS["observability"],
        ("observability", "trust"),
        ("observability", "trust"),
    ),
    Chapter(
        "verdict",
        "Promotion verdict",
        CHAPTER_NOTEBOOKS["verdict"],
        ("governance",),
        ("governance", "evidence", "waivers", "not_applicable", "catalogue_pin"),
    ),
)


def chapter(key: str) -> Chapter:
    """Look a chapter up by key, listing the valid keys when it is unknown."""
    for c in CHAPTERS:
        if c.key == key:
            return c
    raise KeyError(f"unknown chapter {key!r}; known: {', '.join(c.key for c in CHAPTERS)}")
