"""Why a file cannot be measured, in the reader's words: DuckDB's failures translated."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pytest

from workbook.evidence import engine

# DuckDB's messages as it writes them (copied from real failures), the file named "{path}".
MALFORMED = (
    'Invalid Input Error: Malformed JSON in file "{path}", at byte 12 in line 3: '
    "unexpected end of data. \n\nLINE 1: select * from read_json('{path}')\n   ^^^^"
)
CONVERSION = (
    "Conversion Error: CSV Error on Line: 3\nOriginal Line: x\n"
    'Error when converting column "a". Could not convert string "x" to \'INTEGER\'\n\n'
    "Column a is being converted as type INTEGER"
)
CSV_COLUMNS = (
    "Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 1,2,3\n"
    "Expected Number of Columns: 2 Found: 3"
)
LONG = "Binder Error: " + "x" * 250

# (case, exception, lines of the file, expected reason)
REASONS = [
    # The file's bad line is the second; DuckDB's count (3) is not trusted.
    (
        "malformed JSON",
        duckdb.InvalidInputException(MALFORMED),
        '{"a": 1}\n{"a": 2, "b\n',
        "not valid JSON lines at line 2: unexpected end of data; cite the file whole, as the tool wrote it",
    ),
    (
        "JSON and a line, in other words",
        duckdb.InvalidInputException("Invalid Input Error: JSON in this line 1: bad escape."),
        "hello\n",
        "not valid JSON lines at line 1: bad escape; cite the file whole, as the tool wrote it",
    ),
    (
        # Only the final full stop goes: the detail's own last letter stays.
        "a detail ending in a capital",
        duckdb.InvalidInputException("Invalid Input Error: Malformed JSON: unexpected X."),
        "X\n",
        "not valid JSON lines at line 1: unexpected X; cite the file whole, as the tool wrote it",
    ),
    (
        "a line that is not about JSON",
        duckdb.InvalidInputException("Invalid Input Error: Error on line 5: unterminated quote"),
        "",
        "Error on line 5: unterminated quote",
    ),
    (
        "JSON error with every line readable",
        duckdb.InvalidInputException('Invalid Input Error: Malformed JSON in "{path}": too deep'),
        '{"a": 1}\n',
        "not valid JSON lines: too deep; cite the file whole, as the tool wrote it",
    ),
    (
        "a conversion inside a CSV error",
        duckdb.ConversionException(CONVERSION),
        "a\n1\nx\n",
        "a value does not match the type of the rest of its column",
    ),
    (
        "a conversion on its own",
        duckdb.ConversionException("Conversion Error: Could not convert 'jane' to INT32"),
        "",
        "a value does not match the type of the rest of its column",
    ),
    (
        "a conversion, DuckDB's class only",
        duckdb.ConversionException("Conversion Error: Conversion Error: value out of range"),
        "",
        "a value does not match the type of the rest of its column",
    ),
    (
        "CSV error: the cause is after the original line",
        duckdb.InvalidInputException(CSV_COLUMNS),
        "a,b\n1,2\n1,2,3\n",
        "CSV Error on Line: 3: Expected Number of Columns: 2 Found: 3; save it as comma-separated UTF-8 text with one header row",
    ),
    (
        "CSV error: the cause right after the first line",
        duckdb.InvalidInputException(
            "Invalid Input Error: CSV Error on Line: 3\nExpected Number of Columns: 2 Found: 3"
        ),
        "",
        "CSV Error on Line: 3: Expected Number of Columns: 2 Found: 3; save it as comma-separated UTF-8 text with one header row",
    ),
    (
        "CSV error with no cause given",
        duckdb.InvalidInputException("Invalid Input Error: CSV Error on Line: 3\nOriginal Line: x"),
        "",
        "CSV Error on Line: 3; save it as comma-separated UTF-8 text with one header row",
    ),
    (
        "gzip stream cut short",
        duckdb.IOException("IO Error: Unexpected end of GZIP stream: {path}\n\nLINE 1: …"),
        "",
        "compressed data is damaged or cut short (Unexpected end of GZIP stream: {name})"
        "; cite the file whole, as the tool wrote it",
    ),
    (
        "compression in other words",
        duckdb.IOException("IO Error: Failed to decompress: bad header"),
        "",
        "compressed data is damaged or cut short (Failed to decompress: bad header); cite the file whole, as the tool wrote it",
    ),
    (
        "inflate",
        duckdb.IOException("IO Error: Inflate failed: invalid distance"),
        "",
        "compressed data is damaged or cut short (Inflate failed: invalid distance); cite the file whole, as the tool wrote it",
    ),
    (
        "out of memory, whatever the words",
        duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block of size 256 KiB"),
        "",
        "too large to measure within 1GB of working memory "
        "(exact percentiles keep 8 bytes per record); cite a shorter sample",
    ),
    ("another error: its first 200 characters", duckdb.BinderException(LONG), "", "x" * 200),
    ("an error without words", duckdb.Error(""), "", "Error"),
]


@pytest.mark.parametrize(
    ("exc", "content", "expected"), [r[1:] for r in REASONS], ids=[r[0] for r in REASONS]
)
def test_reason(tmp_path, exc, content, expected):
    path = tmp_path / "logs-08:00.jsonl"  # a colon in the name must not split the detail
    path.write_text(content)
    exc = type(exc)(str(exc).replace("{path}", str(path)))
    assert engine.reason(exc, path) == expected.replace("{name}", path.name)


def test_long_compression_errors_are_cut_to_160_characters(tmp_path):
    path = tmp_path / "l.jsonl.gz"
    shown = engine.reason(duckdb.IOException("IO Error: gzip: " + "y" * 300), path)
    assert shown == (
        f"compressed data is damaged or cut short (gzip: {'y' * 154}); "
        "cite the file whole, as the tool wrote it"
    )


def test_the_location_is_hidden_however_it_is_written(tmp_path, monkeypatch):
    # The record's folder is reached through a link: the file has three spellings (as cited,
    # absolute through the link, resolved), and DuckDB may quote any of them either way.
    real = tmp_path / "real"
    (real / "evidence").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    path = Path("link/evidence/logs.csv")
    absolute, resolved = str(path.absolute()), str(path.resolve())
    assert len({str(path), absolute, resolved}) == 3
    message = f"IO Error: cannot open \"{absolute}\", '{resolved}' or {path}"
    assert engine.reason(duckdb.IOException(message), path) == (
        "cannot open logs.csv, logs.csv or logs.csv"
    )


def test_the_resolved_location_is_hidden_before_its_tail(tmp_path, monkeypatch):
    # The cited path is the tail of the absolute one: replacing it first would leave the folder.
    (tmp_path / "evidence").mkdir()
    monkeypatch.chdir(tmp_path)
    path = Path("evidence/logs.csv")
    message = f"IO Error: cannot open {path.absolute()}"
    assert engine.reason(duckdb.IOException(message), path) == "cannot open logs.csv"


def test_a_connection_is_in_memory_utc_capped_and_spills_to_the_temp_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = engine.connect()
    settings = {
        name: con.execute(f"SELECT current_setting('{name}')").fetchone()[0]
        for name in ("TimeZone", "temp_directory", "enable_progress_bar")
    }
    # The macros the personal data checks use are defined (the Luhn test card passes).
    assert con.execute("SELECT luhn_ok('4111111111111111')").fetchone()[0] is True
    con.close()
    assert list(tmp_path.iterdir()) == [], "no database file is written where it runs"
    assert settings == {
        "TimeZone": "UTC",
        "temp_directory": str(Path(tempfile.gettempdir()) / "workbook-duckdb"),
        "enable_progress_bar": False,
    }


def test_connections_share_the_macros_but_nothing_else(monkeypatch):
    # One database per process (the macros defined once), a connection of its own per
    # file: one file's temporary tables and session settings never reach the next.
    first = engine.connect()
    first.execute("CREATE TEMP TABLE wb_retried AS SELECT 1 AS id")
    first.execute("SET TimeZone = 'America/New_York'")
    second = engine.connect()
    with pytest.raises(duckdb.CatalogException):
        second.execute("SELECT * FROM wb_retried")
    assert second.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"
    assert second.execute("SELECT iban_ok('GB82WEST12345698765432')").fetchone()[0] is True
    first.close()
    second.close()
    # The cap is the one in force when a connection is made (a test lowers it).
    monkeypatch.setattr(engine, "MEMORY_LIMIT", "64MB")
    third = engine.connect()
    limit = third.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    third.close()
    assert limit == "61.0 MiB"  # 64,000,000 bytes, as DuckDB shows it in MiB (2^20 bytes)


def test_a_line_that_is_not_utf8_is_the_bad_line(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_bytes(b'{"a": 1}\n\xff\xfe{"a": 2}\n')
    exc = duckdb.InvalidInputException("Invalid Input Error: Malformed JSON: invalid utf-8.")
    assert engine.reason(exc, path) == (
        "not valid JSON lines at line 2: invalid utf-8; cite the file whole, as the tool wrote it"
    )
