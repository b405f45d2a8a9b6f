"""Reading evidence files with DuckDB: tables, field paths, readable failure reasons.

What a file is (its layout) is told by ``formats``; this module holds the file open,
reads CSV and Parquet as tables, and turns DuckDB's failures into a reader's words.

DuckDB scans a file in parallel and streams it instead of loading it, keeping
only what an aggregate needs: a 277 MB, 1M-line log sample is measured in
2.2 s with a 0.2 GB peak, 4.2 times faster than pandas merely loads it
(``benchmarks/logs.py``, median of 3 runs on 2 cores).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # DuckDB is imported on first use: most runs measure no file.
    import duckdb
from workbook.errors import Unreadable

#: DuckDB's working memory. Exact percentiles keep 8 bytes per record; the rest
#: streams. A 1M-line sample peaks at 0.2 GB, 10M lines at 0.3 GB; beyond about
#: 100M records the cap is reached and the sample is reported as too large.
MEMORY_LIMIT = "1GB"
_CHUNK = 4 * 1024 * 1024

# Checks that need per-value logic beyond a regular expression, as SQL macros.
_MACROS = (
    # Luhn: double every second digit from the right; valid when the sum ends in 0.
    """CREATE OR REPLACE MACRO luhn_ok(d) AS list_sum(list_transform(range(length(d)),
        lambda i: CASE WHEN i % 2 = 1
            THEN (CASE WHEN 2 * CAST(substr(d, length(d) - i, 1) AS INTEGER) > 9
                  THEN 2 * CAST(substr(d, length(d) - i, 1) AS INTEGER) - 9
                  ELSE 2 * CAST(substr(d, length(d) - i, 1) AS INTEGER) END)
            ELSE CAST(substr(d, length(d) - i, 1) AS INTEGER) END)) % 10 = 0""",
    # ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 == 1.
    """CREATE OR REPLACE MACRO iban_ok(s) AS list_reduce(list_transform(
        string_split(substr(replace(s, ' ', ''), 5) || substr(replace(s, ' ', ''), 1, 4), ''),
        lambda ch: CASE WHEN ch >= 'A' THEN ascii(ch) - 55 ELSE ascii(ch) - 48 END),
        lambda acc, x: (acc * CASE WHEN x >= 10 THEN 100 ELSE 10 END + x) % 97, 0) = 1""",
)


#: Where an open file is reached by its descriptor: Linux first, then BSD and macOS.
_FD_DIRS = ("/proc/self/fd", "/dev/fd")


@cache
def _fd_dir() -> str:
    for folder in _FD_DIRS:
        if os.path.isdir(folder):
            return folder
    raise Unreadable("this system cannot read an open file by its descriptor")


@dataclass(frozen=True)
class Source:
    """An evidence file held open: read through its descriptor, never by its name.

    DuckDB expands glob characters in a name (``logs[0-9].jsonl`` would read
    ``logs1.jsonl``) and follows whatever sits at the path when it opens it; the
    descriptor is the very file that was checked and hashed, whatever its name.
    """

    #: The file as cited: its name decides the format and stands for it in reasons.
    path: Path
    fd: int

    @property
    def location(self) -> str:
        """What DuckDB opens: the descriptor's entry (a path with no glob characters)."""
        return f"{_fd_dir()}/{self.fd}"


def open_regular(path: Path, dir_fd: int | None = None) -> int:
    """A descriptor for the regular file at ``path``, never through a symbolic link.

    ``OSError`` says why it cannot be opened (ELOOP for a link); ``Unreadable`` when
    it is not a regular file.
    """
    # Non-blocking: opening a named pipe must not wait for a writer.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, dir_fd=dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Unreadable("not a regular file")
    return fd


@contextlib.contextmanager
def held(path: Path | Source) -> Iterator[Source]:
    """``path`` as an open ``Source``: a ``Source`` as given, a path opened here and closed."""
    if isinstance(path, Source):
        yield path
        return
    try:
        fd = open_regular(path)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    try:
        yield Source(path, fd)
    finally:
        os.close(fd)


_BASE: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _base() -> duckdb.DuckDBPyConnection:
    """This process's in-memory DuckDB, holding the evidence macros (made once: 20 ms)."""
    global _BASE
    import duckdb

    if _BASE is None or _BASE[0] != os.getpid():  # a forked child makes its own
        con = duckdb.connect(":memory:")
        con.execute(
            f"SET temp_directory = {literal(str(Path(tempfile.gettempdir()) / 'workbook-duckdb'))}"
        )
        from workbook.evidence import otlp  # its macros read OpenTelemetry exports

        for macro in (*_MACROS, *otlp.MACROS):
            con.execute(macro)
        _BASE = (os.getpid(), con)
    return _BASE[1]


def connect() -> duckdb.DuckDBPyConnection:
    """A connection of its own (its temporary tables, its session) to the process's DuckDB,
    the evidence macros defined. Closing it leaves the database and its macros for the next."""
    con = _base().cursor()
    # A cap keeps DuckDB from caching what it may stream or spill to disk (the database's,
    # set again here because it is read here: a test lowers it).
    con.execute(f"SET memory_limit = {literal(MEMORY_LIMIT)}")
    # Session settings, which a new connection does not inherit.
    con.execute("SET enable_progress_bar = false")  # pragma: no mutate -- SQL reads it in any case
    # Timestamps without an offset are UTC, whatever the machine's local zone.
    con.execute("SET TimeZone = 'UTC'")  # pragma: no mutate -- SQL reads it in any case
    return con


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (column name), quoted."""
    return '"' + name.replace('"', '""') + '"'


def _compression(fmt: str) -> str:
    # Given, never guessed: DuckDB would decide gzip by the name it opens, which is the
    # descriptor's (``formats.detect`` has checked the first bytes).
    return literal("gzip" if fmt == "jsonl.gz" else "none")


def table(src: Source, fmt: str) -> str:
    """The file as a table: CSV cells as text (types are checked, not guessed), else as typed."""
    where = literal(src.location)
    if fmt == "csv":
        # Rows ending CRLF and a last one ending LF (as real exports have) defeat DuckDB's
        # strict dialect detection; only such a file is read leniently.
        lenient = ", strict_mode=false" if mixed_line_endings(src) else ""
        return f"read_csv({where}, all_varchar=true, header=true, compression='none'{lenient})"
    if fmt == "parquet":
        return f"read_parquet({where})"
    # Types are inferred from every line, not a sample: a column whose values change
    # type further down (an id that turns into text) is read as text, not refused.
    return (
        f"read_json({where}, format='newline_delimited', sample_size=-1, "
        f"compression={_compression(fmt)})"
    )


def line_endings(src: Source) -> tuple[int, int]:
    """How many lines of the held file end CRLF, and how many end in a bare LF."""
    crlf = lf = 0
    offset, carry = 0, b""
    while chunk := os.pread(src.fd, _CHUNK, offset):
        offset += len(chunk)
        # A CR closing the previous chunk pairs with an LF opening this one.
        text = carry + chunk
        carry = text[-1:] if text.endswith(b"\r") else b""
        body = text[:-1] if carry else text
        pairs = body.count(b"\r\n")
        crlf += pairs
        lf += body.count(b"\n") - pairs
    return crlf, lf


def mixed_line_endings(src: Source) -> bool:
    """Some lines end CRLF and others a bare LF (the answer kept for the file as it is)."""
    st = os.fstat(src.fd)
    return _mixed((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), src.fd)


@lru_cache(maxsize=16)
def _mixed(identity: tuple[int, int, int, int], fd: int) -> bool:
    # A file is read as a table more than once per measurement: its bytes are scanned once.
    crlf, lf = line_endings(Source(Path(), fd))
    return crlf > 0 and lf > 0


def segments(field_path: str) -> list[str]:
    """``attributes."gen_ai.system"`` -> ``['attributes', 'gen_ai.system']``."""
    return [
        m.group(1) if m.group(1) is not None else m.group(2)
        for m in re.finditer(r'"([^"]*)"|([^.]+)', field_path)
    ]


def json_path(field_path: str) -> str:
    """The DuckDB JSON path of a field path, every key quoted (a ``FieldPath`` key holds no ")."""
    return "$" + "".join(f'."{s}"' for s in segments(field_path))


def column_name(field_path: str) -> str:
    """In a table (CSV, Parquet) a field path names one column; quotes are dropped."""
    parts = segments(field_path)
    return parts[0] if len(parts) == 1 else field_path


def columns(con: duckdb.DuckDBPyConnection, source: str, path: Path | Source) -> list[str]:
    """The column names of a table source (``path`` keeps its location out of errors)."""
    return [row[0] for row in query(con, f"DESCRIBE SELECT * FROM {source}", path)]


_DUCKDB_NOISE = re.compile(r"^(?:[A-Za-z ]+ Error|Error): ")
#: DuckDB's hints name its own settings, which a reader cannot reach: a sentence holding
#: one is left out ("Try auto-detecting the JSON format", "set sample_size=-1", ...).
_HINT = re.compile(
    r"(?i)\b(?:try|consider|possible fixes|set|enable|disable|increase|see)\b.*"
    r"|sample_size|maximum_object_size|ignore_errors|strict_mode|null_padding|max_line_size"
    r"|auto_detect|union_by_name|all_varchar|new_line|\w+\s*=\s*\S"
)
#: What a CSV must be for every reader to agree on its rows.
_CSV_ADVICE = "save it as comma-separated UTF-8 text with one header row"
#: What to do with a file whose bytes are damaged or edited.
_WHOLE = "cite the file whole, as the tool wrote it"
#: How much of a pretty-printed document is parsed to find its bad line.
_BAD_JSON_SCAN = 64 * 1024 * 1024


def reason(exc: duckdb.Error, path: Path | Source) -> str:
    """DuckDB's failure in a reader's words: no error class, location or engine setting."""
    import duckdb  # loaded already: ``exc`` came from it

    if isinstance(exc, duckdb.OutOfMemoryException):
        # Its words vary ("failed to allocate …", "failed to pin block …"); the class does not.
        return (
            f"too large to measure within {MEMORY_LIMIT} of working memory "
            "(exact percentiles keep 8 bytes per record); cite a shorter sample"
        )
    whole = str(exc)
    lines = [line.strip() for line in whole.strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = _DUCKDB_NOISE.sub("", text)
    if "maximum_object_size" in whole:
        return (
            "a JSON value in it (a line, or the whole document) is too large to read at "
            "once; write one record per line (JSON lines), or cite a shorter sample"
        )
    if "sniffing file" in text or "state machine reached an invalid state" in whole:
        return f"the CSV layout could not be recognised: {csv_trouble(path)}; {_CSV_ADVICE}"
    if text.startswith("CSV Error"):
        # The first line only says where; the cause is on a later line.
        causes = [x for x in lines[1:] if not x.startswith("Original Line") and not _HINT.search(x)]
        if causes:
            text = f"{text}: {causes[0]}"
    text = _hide_location(_without_hints(text), path)
    if "Could not convert" in text or "Conversion Error" in text:
        # DuckDB quotes the offending value: it may be personal data, so it is left out.
        return "a value does not match the type of the rest of its column"
    if "gzip" in text.lower() or "compress" in text.lower() or "inflate" in text.lower():
        return f"compressed data is damaged or cut short ({text[:160]}); {_WHOLE}"
    if "Malformed JSON" in text or ("JSON" in text and "line" in text):
        # DuckDB's line number is unreliable (often one too high): find the line ourselves.
        framing, line = bad_json(path)
        where = f" at line {line}" if line else ""
        detail = text.rpartition(":")[2].strip().rstrip(".")
        what = "JSON lines" if framing == "lines" else "JSON"
        return f"not valid {what}{where}: {detail}; {_WHOLE}"
    if "parquet" in text.lower() or "footer" in text.lower():
        return f"a damaged Parquet file ({text[:160]}); {_WHOLE}"
    if text.startswith("CSV Error"):
        return f"{text[:200].rstrip('.')}; {_CSV_ADVICE}"
    return text[:200]


def _without_hints(text: str) -> str:
    """``text`` without the sentences that advise on DuckDB's settings."""
    sentences = re.split(r"(?<=\.)\s+", text)
    kept = [x for x in sentences if not _HINT.search(x)]
    return " ".join(kept) if kept else sentences[0].split(".")[0]


def csv_trouble(src: Path | Source) -> str:
    """Why the start of a CSV file has no consistent layout, in words."""
    import csv
    import io

    path = src.path if isinstance(src, Source) else src
    try:
        with open(src.location if isinstance(src, Source) else path, "rb") as raw:
            head = raw.read(1024 * 1024)
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut by the sample's end
            return "it is not UTF-8 text"
        text = head[: exc.start].decode("utf-8")
    if "\x00" in text:
        return "it holds binary data"
    counts = [len(row) for row in csv.reader(io.StringIO(text, newline="")) if row]
    if len(head) == 1024 * 1024:
        counts = counts[:-1]  # the last row may be cut by the sample's end
    if counts and any(n != counts[0] for n in counts):
        line = next(i for i, n in enumerate(counts, start=1) if n != counts[0])
        return (
            f"its rows have different numbers of fields ({counts[0]} in the header, "
            f"{counts[line - 1]} in row {line})"
        )
    if "\r\n" in text and "\n" in text.replace("\r\n", ""):
        return "its lines end in different ways (some CRLF, some LF)"
    return "no delimiter and quoting fit every row"


def _hide_location(text: str, src: Path | Source) -> str:
    """The file's name in place of its location, however DuckDB quotes it."""
    path = src.path if isinstance(src, Source) else src
    spellings = {str(path.resolve()), str(path.absolute()), str(path)}
    if isinstance(src, Source):
        spellings |= {f"{folder}/{src.fd}" for folder in _FD_DIRS}
    for shown in sorted(spellings, key=len)[::-1]:
        for quote in ('"', "'"):
            text = text.replace(f"{quote}{shown}{quote}", path.name)
        text = text.replace(shown, path.name)
    return text


def first_bad_json_line(src: Path | Source) -> int | None:
    """The number of the first non-blank line that is not a JSON value, if any."""
    return bad_json(src)[1]


def bad_json(src: Path | Source) -> tuple[str, int | None]:
    """How the JSON is framed ("lines" or "document"), and the number of its first bad line.

    A first line that opens a value it does not close is a pretty-printed document (or
    several back to back): the whole text is parsed, and its parser says where it fails.
    """
    import gzip
    import json

    path = src.path if isinstance(src, Source) else src
    try:
        # The held file, reopened through its descriptor's entry: the bytes DuckDB read.
        with open(src.location if isinstance(src, Source) else path, "rb") as raw:
            packed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            with gzip.open(raw) if packed else contextlib.nullcontext(raw) as f:
                first = True
                for number, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        json.loads(line)
                    except ValueError:  # including text that is not UTF-8
                        if first and line.lstrip()[:1] in (b"{", b"["):
                            f.seek(0)
                            return "document", _bad_document_line(f.read(_BAD_JSON_SCAN))
                        return "lines", number
                    first = False
    except (OSError, EOFError):
        return "lines", None
    return "lines", None


def _bad_document_line(data: bytes) -> int | None:
    """The line where JSON values written back to back stop parsing, if they do."""
    import json

    text = data.decode("utf-8", errors="replace")
    decoder, at = json.JSONDecoder(), 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            return None
        try:
            _, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            return exc.lineno


def query(con: duckdb.DuckDBPyConnection, sql: str, path: Path | Source) -> list[Any]:
    """Run ``sql``; a DuckDB failure becomes ``Unreadable`` with a readable reason."""
    import duckdb  # loaded already: ``con`` came from ``connect``

    try:
        return con.execute(sql).fetchall()
    except duckdb.Error as exc:
        raise Unreadable(reason(exc, path)) from None


def first_row(con: duckdb.DuckDBPyConnection, sql: str, path: Path | Source) -> Sequence[Any]:
    rows = query(con, sql, path)
    return rows[0]
