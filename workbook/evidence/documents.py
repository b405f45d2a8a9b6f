"""Document evidence (notices, policies, reports, dashboards): is there a document in the file?

A file's ending says what it is; its bytes must agree. A text document must be
UTF-8 text and its words are counted (how many a document needs is the
catalogue's ``plausibility.min_document_words``, judged in the model); a PDF,
an Office file or a screenshot must start as one does. PNG bytes named ``.md``
or a one-byte "dashboard" are no document, whatever the record says of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import Unreadable
from workbook.evidence.engine import Source

#: Evidence kinds that are documents read by people (not measured like logs or evaluations).
DOCUMENT_KINDS = frozenset(
    {"document", "user_notice", "policy", "drill", "training", "security_review", "dashboard"}
)

#: Endings of formats checked by their first bytes: (what it is, the bytes it starts with).
BINARY: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("a PDF", (b"%PDF-",)),
    ".docx": ("an Office document (a zip)", (b"PK\x03\x04",)),
    ".xlsx": ("an Office document (a zip)", (b"PK\x03\x04",)),
    ".pptx": ("an Office document (a zip)", (b"PK\x03\x04",)),
    ".png": ("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".jpeg": ("a JPEG image", (b"\xff\xd8\xff",)),
}
#: What the first bytes of a file show it to be, to say what a mislabelled file holds.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"GIF8", "a GIF image"),
)
_TAG = re.compile(r"<[^>]*>")
#: The longest prefix read of a checked binary format: the magic bytes are all it needs.
_HEAD = 16


@dataclass(frozen=True)
class DocumentMeasures:
    """What a document file is: its format and, for text, how many words it holds."""

    #: "text", or the binary format its ending names ("a PDF", "a PNG image", ...).
    format: str
    #: Words in a text document (runs of characters with a letter or digit); None otherwise.
    words: int | None = None


def _what(head: bytes) -> str:
    """What the first bytes show the file to be: a known format, text, or binary data."""
    known = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if known is not None:
        return known
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may cut a character in two: only a wrong byte before that is binary.
        if exc.reason != "unexpected end of data":
            return "binary data"
    return "binary data" if b"\x00" in head else "text"


def count_words(text: str, markup: bool = False) -> int:
    """Words in ``text``: whitespace-separated runs holding a letter or digit.

    With ``markup`` (HTML) the tags are dropped first: ``<p>`` is no word.
    """
    if markup:
        text = _TAG.sub(" ", text)
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def _read(path: Path | Source, limit: int | None = None) -> bytes:
    if isinstance(path, Source):
        with open(path.fd, "rb", closefd=False) as f:
            f.seek(0)
            data = f.read() if limit is None else f.read(limit)
            f.seek(0)
        return data
    with open(path, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def inspect_document(path: Path | Source) -> DocumentMeasures:
    """What the document file is; ``Unreadable`` when its bytes do not match its ending."""
    name = path.path if isinstance(path, Source) else path
    ending = name.suffix.lower()
    if ending in BINARY:
        what, magics = BINARY[ending]
        head = _read(path, _HEAD)
        if not head.startswith(magics):
            raise Unreadable(f"its {ending} ending says {what}, but the file holds {_what(head)}")
        return DocumentMeasures(what)
    data = _read(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        said = f"its {ending} ending says text" if ending else "a name without an ending is text"
        what = _what(data[:_HEAD])
        held = "is not UTF-8 text" if what in ("text", "binary data") else f"holds {what}"
        raise Unreadable(
            f"{said}, but the file {held}; a document is UTF-8 text unless it is "
            f"{', '.join(sorted(BINARY))}"
        )
    return DocumentMeasures("text", count_words(text, markup=ending in (".html", ".htm")))
