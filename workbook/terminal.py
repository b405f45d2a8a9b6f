"""What reaches a terminal: one line per line, nothing in it that drives the terminal.

File names, ledger rows, record and catalogue text, error messages quoting a file:
all of it may come from someone else, and a terminal obeys escape sequences (colour,
cursor moves, window titles, hyperlinks, on some terminals key remapping) and bidi
overrides (text shown in another order than it reads). Two defences:

- every line the workbook composes passes ``errors.one_line`` value by value (``say``),
  so a newline in a value cannot forge a line;
- while a command runs, ``sys.stdout`` and ``sys.stderr`` are ``Escaping`` streams
  (``escaped_output``): whatever else writes there (a library's warning, a log line,
  a message nobody thought of) has its control and bidi characters spelled out too.
  Only the newline passes as is. The rich progress bar alone writes to the real
  stream, and it writes only its own sequences.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import TextIO

from workbook.errors import one_line


def escaped(text: str) -> str:
    """``text`` with every control and bidi character spelled out except the newline."""
    return "\n".join(one_line(part) for part in text.split("\n"))


class Escaping(io.TextIOBase):
    """A text stream writing to ``target`` with control and bidi characters spelled out."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(escaped(text))
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.target, "errors", None)

    def writable(self) -> bool:
        return True


def real(stream: TextIO) -> TextIO:
    """The stream below an ``Escaping`` one (for the progress bar's own sequences)."""
    return stream.target if isinstance(stream, Escaping) else stream


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` escape control and bidi characters until exit."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Escaping(real(out)), Escaping(real(err))
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # a closed pipe has nothing left to flush
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = out, err
