"""What an evidence file is: its layout, told by its bytes, and its records as SQL.

``detect`` reads the held file's first bytes (and, for JSON, the first value's keys):
zip, gzip, Parquet, JSON lines, one JSON document, JSON objects back to back, and the
documents that tools write (OpenTelemetry, promptfoo, inspect_ai, lm-evaluation-harness,
MLflow, Great Expectations, pandera). The name's ending decides only where the content
cannot (CSV or text). ``json_records`` gives one record per row, whatever the framing,
streamed by DuckDB. ``refuse`` says, for a kind that cannot use a layout, what the file
seems to be and what to cite instead.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from workbook.errors import Unreadable
from workbook.evidence import engine
from workbook.evidence.engine import Source

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Layout:
    """How an evidence file is laid out, and in words what it seems to be."""

    #: "jsonl", "jsonl.gz", "csv", "parquet", "json", "json_seq", "otlp", "otel_console",
    #: "promptfoo", "inspect", "inspect_zip", "lm_eval", "mlflow", "gx_validation",
    #: "gx_suite", "pandera"
    name: str
    #: In words, for messages: "an OpenTelemetry trace export (OTLP/JSON)".
    what: str
    #: Inside one JSON document: the dotted path of the list of records.
    records: str | None = None
    #: "gzip" for a compressed file, else "none".
    compression: str = "none"
    #: OpenTelemetry: the signals the file holds ("spans", "logs").
    signals: frozenset[str] = frozenset()
    #: How JSON values are framed: "lines" (one per line), "document" (one value, any
    #: layout), "sequence" (values back to back, pretty-printed); "" for tables.
    framing: str = ""


#: Layouts in words (OpenTelemetry and JSON framings are worded where detected).
WHAT: dict[str, str] = {
    "jsonl": "JSON lines (one record per line)",
    "jsonl.gz": "gzip-compressed JSON lines",
    "csv": "a CSV table",
    "parquet": "a Parquet table",
    "json": "one JSON document",
    "json_seq": "JSON objects written one after another",
    "otlp": "an OpenTelemetry export (OTLP/JSON)",
    "otel_console": "OpenTelemetry console exporter output",
    "promptfoo": "a promptfoo results file",
    "inspect": "an inspect_ai log (.json)",
    "inspect_zip": "an inspect_ai log (.eval)",
    "lm_eval": "lm-evaluation-harness samples",
    "lm_eval_results": "lm-evaluation-harness's summary of aggregate scores",
    "mlflow": "an MLflow evaluation table",
    "gx_validation": "a Great Expectations validation result",
    "gx_suite": "a Great Expectations expectation suite",
    "pandera": "a pandera schema",
}

#: Where each tool document keeps its records.
RECORDS: dict[str, str] = {
    "promptfoo": "results.results",
    "inspect": "samples",
    "mlflow": "data",
    "gx_validation": "results",
    "gx_suite": "expectations",
}

#: File name endings read when the content alone cannot tell (plain JSON, CSV).
ENDINGS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".jsonl.gz": "jsonl.gz",
    ".ndjson.gz": "jsonl.gz",
    ".json.gz": "jsonl.gz",
    ".csv": "csv",
    ".parquet": "parquet",
}

#: How much of a file is read to tell its layout; a first value longer than this is
#: examined by DuckDB instead.
HEAD = 8 * 1024 * 1024
#: The largest single JSON document read whole (DuckDB holds it in memory at once).
MAX_DOCUMENT = 256 * 1024 * 1024
_SNIFF = 64 * 1024
_SCAN = 4 * 1024 * 1024


def detect(src: Source, declared: str | None = "auto", records: str | None = None) -> Layout:
    """The layout of the held file; a ``declared`` format must agree with the bytes.

    Raises ``Unreadable`` saying what the file seems to be and what to do.
    """
    declared = declared or "auto"
    found = _by_content(src)
    layout = _by_name(src, found) if declared == "auto" else _agree(src, declared, found)
    return _with_records(src, layout, records)


def json_records(src: Source, layout: Layout, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """SQL source of one record per row, column ``json``, for a JSON layout.

    With ``con``, records that are costly to make (OpenTelemetry spans, unnested and
    written as objects) are made once into a temporary table of that connection, which
    the caller's several passes then read; DuckDB moves it to disk beyond its memory cap.
    """
    from workbook.evidence import otlp

    where = engine.literal(src.location)
    comp = engine.literal(layout.compression)
    if layout.name in ("csv", "parquet", "inspect_zip", "pandera"):
        raise Unreadable(f"{_what(layout)} holds no JSON records")
    if layout.name in ("otlp", "otel_console") and "spans" not in layout.signals:
        raise refuse(layout, "log_sample")
    if layout.name == "otlp":
        return _made_once(con, src, otlp.spans_sql(src, layout))
    if layout.name == "otel_console" and "logs" in layout.signals:
        return _made_once(con, src, otlp.console_sql(src, layout))
    if layout.framing == "lines":
        return f"read_ndjson_objects({where}, compression={comp})"
    if layout.framing == "sequence":
        return (
            f"read_json_objects({where}, format='unstructured', compression={comp}, "
            f"maximum_object_size={object_size(src, layout)})"
        )
    # One document: the list at the records path, one record per element.
    if layout.records is None:
        raise _no_records_path(src, layout)
    doc = document_sql(src, layout)
    if layout.records == "":
        return f"(SELECT unnest(CAST(json AS JSON[])) AS json FROM {doc})"
    path = engine.literal(engine.json_path(layout.records))
    if layout.name == "mlflow":
        # Rows are lists beside one list of column names: each row becomes an object.
        return (
            "(SELECT CAST(to_json(map(cols, CAST(r AS JSON[]))) AS JSON) AS json FROM "
            "(SELECT CAST(json->'$.columns' AS VARCHAR[]) AS cols, "
            f"unnest(CAST(json->{path} AS JSON[])) AS r FROM {doc}))"
        )
    return f"(SELECT unnest(CAST(json->{path} AS JSON[])) AS json FROM {doc})"


def _made_once(con: duckdb.DuckDBPyConnection | None, src: Source, sql: str) -> str:
    """``sql`` run once into a temporary table of ``con`` (its name), or as given."""
    if con is None:
        return sql
    table = f"wb_records_{src.fd}"
    # In any order: the table is only ever aggregated, and DuckDB then uses every core.
    con.execute("SET preserve_insertion_order = false")
    try:
        engine.query(con, f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT json FROM {sql}", src)
    finally:
        con.execute("RESET preserve_insertion_order")
    return table


def document_sql(src: Source, layout: Layout) -> str:
    """SQL source of the one JSON document as one row, column ``json``."""
    size = os.fstat(src.fd).st_size
    if layout.compression == "none" and size > MAX_DOCUMENT:
        raise Unreadable(
            f"one JSON document of {size / 1e6:,.0f} MB is more than the "
            f"{MAX_DOCUMENT // 1_000_000} MB read at once; write its records one per line "
            "(JSON lines), or cite a shorter sample"
        )
    return (
        f"read_json_objects({engine.literal(src.location)}, format='unstructured', "
        f"compression={engine.literal(layout.compression)}, "
        f"maximum_object_size={object_size(src, layout)})"
    )


#: Evidence kinds in words, and the kind each tool's layout is evidence of.
_KIND_WORDS = {"log_sample": "a log sample", "evaluation": "evaluation results",
               "data_extract": "a data extract"}  # fmt: skip
#: What each kind is read from, in words.
_READS = {
    "log_sample": "log samples are read from JSON lines, CSV, Parquet or an OpenTelemetry "
    "export (OTLP/JSON or console exporter output)",
    "evaluation": "evaluation results are read from CSV, JSON lines or an evaluation tool's "
    "results (promptfoo, inspect_ai, lm-evaluation-harness, MLflow)",
    "data_extract": "data extracts are read from CSV or Parquet (or a Great Expectations "
    "validation result)",
}
_BELONGS = {
    "otlp": "log_sample",
    "otel_console": "log_sample",
    "promptfoo": "evaluation",
    "inspect": "evaluation",
    "inspect_zip": "evaluation",
    "lm_eval": "evaluation",
    "mlflow": "evaluation",
    "gx_validation": "data_extract",
}


def refuse(layout: Layout, kind: str) -> Unreadable:
    """Why ``kind`` cannot be measured from this layout, and what to cite instead."""
    what = _what(layout)
    if layout.name in ("otlp", "otel_console") and "spans" not in layout.signals:
        source = "an OTLP/JSON export" if layout.name == "otlp" else "console exporter output"
        if "logs" not in layout.signals:
            return Unreadable(f"holds no OpenTelemetry spans ({source}); cite the trace export")
        return Unreadable(
            f"holds OpenTelemetry log records but no spans ({source}); a log sample is "
            "measured from its spans: cite the trace export, with the log records in the "
            "same file if they carry message content (they join their spans by span id)"
        )
    if layout.name == "lm_eval_results":
        return Unreadable(
            f"this looks like {what}: it holds no cases; run lm-eval with --log_samples "
            "and cite the samples_*.jsonl file it writes beside it (one per task)"
        )
    if layout.name in ("gx_suite", "pandera"):
        return Unreadable(
            f"this looks like {what}, which declares expectations rather than recording "
            "results; name it as the suite of the data extract's expectations "
            "(expectations: suite: <path>) and cite the extract it checks"
        )
    home = _BELONGS.get(layout.name)
    if home and home != kind:
        return Unreadable(
            f"this looks like {what}, not {_KIND_WORDS.get(kind, kind)}; "
            f"cite it as {_KIND_WORDS[home]} (kind: {home})"
        )
    reads = _READS.get(kind, f"{kind} is read from JSON lines, CSV or Parquet")
    return Unreadable(f"{reads}; this looks like {what}: save it as one of those")


# ----------------------------------------------------------------- by content


@dataclass(frozen=True)
class _Found:
    """What the bytes say, before the name or a declaration is heard."""

    #: "zip", "gzip-bad", "parquet", "binary", "text", "array", "object", "invalid"
    kind: str
    compression: str = "none"
    #: JSON objects: "lines", "document" (one value), "sequence", "single" (one value on
    #: one line: a document, or one JSON line)
    framing: str = ""
    #: The first object's shape: top-level keys, and the JSON type at each probe path.
    keys: tuple[str, ...] = ()
    types: dict[str, str] = field(default_factory=dict)
    #: The first value spans several lines (pretty-printed).
    pretty: bool = False
    #: zip: the member names
    members: tuple[str, ...] = ()


#: Paths whose JSON type tells one tool's document from another's.
_PROBES = (
    "$.results",
    "$.results.results",
    "$.results[0]",
    "$.results[0].expectation_config",
    "$.eval",
    "$.samples",
    "$.statistics",
    "$.expectations",
    "$.context",
    "$.columns",
    "$.data",
)


def _by_content(src: Source) -> _Found:
    head = os.pread(src.fd, _SNIFF, 0)  # from the descriptor: the bytes DuckDB reads
    if head.startswith(b"PK\x03\x04"):
        return _Found("zip", members=_members(src))
    if head.startswith(b"PAR1"):
        return _Found("parquet")
    if head.startswith(b"\x1f\x8b"):
        try:
            text = _gunzip_head(src)
        except (zlib.error, EOFError):
            return _Found("gzip-bad", compression="gzip")
        return _text(src, text, "gzip")
    return _text(src, os.pread(src.fd, HEAD, 0), "none")


def _members(src: Source) -> tuple[str, ...]:
    try:
        with open(src.location, "rb") as raw, zipfile.ZipFile(raw) as z:
            return tuple(z.namelist())
    except (OSError, zipfile.BadZipFile):
        return ()


def _gunzip_head(src: Source) -> bytes:
    """Up to ``HEAD`` decompressed bytes; raises ``zlib.error`` on damaged data."""
    unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out, offset = b"", 0
    while len(out) < HEAD:
        chunk = os.pread(src.fd, _SNIFF, offset)
        if not chunk:
            if not unzip.eof and len(out) == 0:
                raise EOFError
            break
        offset += len(chunk)
        out += unzip.decompress(chunk, HEAD - len(out))
        if unzip.eof:
            break
    return out


def _text(src: Source, head: bytes, compression: str) -> _Found:
    if b"\x00" in head[:_SNIFF]:
        return _Found("binary", compression)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first = body[:1]
    if first == b"[":
        return _Found("array", compression, framing="document")
    if first != b"{":
        return _Found("text", compression)
    return _json_found(src, head, compression)


def _json_found(src: Source, head: bytes, compression: str) -> _Found:
    """The framing and the first object's shape of JSON text starting with ``{``."""
    text = head.decode("utf-8", errors="replace")
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    decoder = json.JSONDecoder()
    try:
        value, end = decoder.raw_decode(text, start)
    except ValueError:
        value, end = None, -1
    if value is None:
        # Cut off by the head (a long first value), or not JSON at all.
        newline = text.find("\n", start)
        complete = len(head) < HEAD
        if complete:
            return _Found("invalid", compression)
        one_line = newline == -1 or _parses(text[start:newline])
        shape = _shape_by_engine(src, compression, "lines" if one_line else "document")
        if shape is None:
            return _Found("invalid", compression)
        keys, types = shape
        framing = "lines" if one_line else "document"
        return _Found("object", compression, framing, keys, types, pretty=not one_line)
    if not isinstance(value, dict):
        return _Found("text", compression)
    pretty = "\n" in text[start:end]
    rest = text[end:].lstrip(" \t\r\n")
    if not rest and len(head) < HEAD:
        # One value: a document, or (on one line) also one JSON line.
        framing = "document" if pretty else "single"
    elif pretty:
        framing = "sequence" if rest[:1] == "{" else "document"
    else:
        framing = "lines"
    keys, types = _shape(value)
    return _Found("object", compression, framing, keys, types, pretty=pretty)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _shape(value: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    """Top-level keys, and the JSON type at each probe path (as DuckDB names them)."""
    types: dict[str, str] = {}
    for probe in _PROBES:
        node: Any = value
        for step in probe[2:].replace("[0]", ".[0]").split("."):
            if step == "[0]":
                node = node[0] if isinstance(node, list) and node else None
            else:
                node = node.get(step) if isinstance(node, dict) else None
            if node is None:
                break
        if node is not None:
            types[probe] = _json_type(node)
    return tuple(value), types


def _json_type(node: Any) -> str:
    if isinstance(node, dict):
        return "OBJECT"
    if isinstance(node, list):
        return "ARRAY"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, float)):
        return "DOUBLE"
    return "VARCHAR"


def _shape_by_engine(
    src: Source, compression: str, framing: str
) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """The first value's shape when it is longer than the head: DuckDB parses it."""
    import duckdb

    reader = (
        f"read_ndjson_objects({engine.literal(src.location)}, "
        f"compression={engine.literal(compression)})"
        if framing == "lines"
        else document_sql(src, Layout("json", "", compression=compression))
    )
    probes = ", ".join(f"json_type(json, {engine.literal(p)})" for p in _PROBES)
    con = engine.connect()
    try:
        row = con.execute(f"SELECT json_keys(json), {probes} FROM {reader} LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if row is None or row[0] is None:
        return None
    types = {p: t for p, t in zip(_PROBES, row[1:], strict=True) if t is not None}
    return tuple(row[0]), types


def parse_json(data: bytes) -> Any:
    """One JSON value read whole (a suite, a validation result, a zip member).

    ``Unreadable`` says why not: the line and the parser's words, or nesting too deep for
    the parser (which raises RecursionError, not a ValueError).
    """
    try:
        return json.loads(data)
    except RecursionError:
        raise Unreadable("JSON nests too deeply") from None
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not valid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValueError:
        raise Unreadable("not valid JSON: not UTF-8 text") from None


def object_size(src: Source, layout: Layout) -> int:
    """The largest JSON value DuckDB is to read: the file (capped), at least 16 MB."""
    size = os.fstat(src.fd).st_size
    if layout.compression == "gzip":
        size *= 20  # text compresses about tenfold; the cap bounds the guess
    return max(16 * 1024 * 1024, min(size + 1, MAX_DOCUMENT))


# ---------------------------------------------------------- content -> layout


def _tool(found: _Found) -> str | None:
    """The tool document (or OpenTelemetry export) the first object's keys name, if any."""
    keys, types = set(found.keys), found.types
    if "resourceSpans" in keys or "resourceLogs" in keys:
        return "otlp"
    if "evalId" in keys and types.get("$.results.results") == "ARRAY":
        return "promptfoo"
    if {"testIdx", "promptIdx", "success"} <= keys:
        return "promptfoo"  # one result per line: ``promptfoo eval -o results.jsonl``
    if types.get("$.results") == "OBJECT" and keys & {"configs", "versions", "n-shot"}:
        return "lm_eval_results"
    if types.get("$.eval") == "OBJECT" and ("samples" in keys or "status" in keys):
        return "inspect"
    if keys == {"columns", "data"} and types.get("$.data") == "ARRAY":
        return "mlflow"
    if (
        types.get("$.results") == "ARRAY"
        and types.get("$.statistics") == "OBJECT"
        and types.get("$.results[0].expectation_config", "OBJECT") == "OBJECT"
    ):
        return "gx_validation"
    if types.get("$.expectations") == "ARRAY":
        return "gx_suite"
    if "schema_type" in keys and types.get("$.columns") == "OBJECT":
        return "pandera"
    if "doc_id" in keys and ("filter" in keys or "metrics" in keys):
        return "lm_eval"
    if _console_span(keys, types) or _console_log(keys):
        return "otel_console"
    return None


def _console_span(keys: set[str], types: dict[str, str]) -> bool:
    return types.get("$.context") == "OBJECT" and "name" in keys and "start_time" in keys


def _console_log(keys: set[str]) -> bool:
    return "body" in keys and ("severity_number" in keys or "observed_timestamp" in keys)


def _layout(src: Source, found: _Found, name: str) -> Layout:
    """The layout ``name`` for content ``found`` (a tool's records path, signals)."""
    compression = found.compression
    if name in ("jsonl", "jsonl.gz"):
        name = "jsonl.gz" if compression == "gzip" else "jsonl"
        return Layout(name, WHAT[name], compression=compression, framing="lines")
    framing = found.framing
    if framing == "single":
        framing = "document" if name in RECORDS or name in ("inspect", "pandera") else "lines"
    if name == "promptfoo" and "evalId" not in found.keys:
        framing = "lines"  # results written one per line carry no run header
    if name == "otlp":
        signals = _signals(src, found, b'"resourceSpans"', b'"resourceLogs"')
        return Layout(name, _otel_what(name, signals), None, compression, signals, framing)
    if name == "otel_console":
        signals = _signals(src, found, b'"start_time":', b'"severity_number":')
        return Layout(name, _otel_what(name, signals), None, compression, signals, framing)
    return Layout(name, WHAT[name], RECORDS.get(name), compression, frozenset(), framing)


def _otel_what(name: str, signals: frozenset[str]) -> str:
    held = " and ".join(w for s, w in (("spans", "spans"), ("logs", "log records")) if s in signals)
    if name == "otlp":
        return f"an OpenTelemetry export (OTLP/JSON) of {held or 'nothing'}"
    return f"OpenTelemetry console exporter output ({held or 'nothing'})"


def _signals(src: Source, found: _Found, spans: bytes, logs: bytes) -> frozenset[str]:
    """Which of spans and log records the file holds, by their keys' bytes."""
    markers = {"spans": spans, "logs": logs}
    seen: set[str] = set()
    for chunk in _chunks(src, found.compression, overlap=max(map(len, markers.values()))):
        seen |= {s for s, m in markers.items() if s not in seen and m in chunk}
        if len(seen) == len(markers):
            break
    return frozenset(seen)


def _chunks(src: Source, compression: str, overlap: int) -> Iterator[bytes]:
    """The file's (decompressed) bytes in overlapping chunks."""
    unzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if compression == "gzip" else None
    offset, tail = 0, b""
    while True:
        raw = os.pread(src.fd, _SCAN, offset)
        if not raw:
            return
        offset += len(raw)
        if unzip is not None:
            try:
                raw = unzip.decompress(raw)
            except zlib.error:
                return  # damaged: the read says so
        yield tail + raw
        tail = raw[-overlap:]


def _by_name(src: Source, found: _Found) -> Layout:
    """Automatic: the content decides; the name's ending only for CSV and plain JSON."""
    ending = _ending(src)
    if found.kind == "zip":
        if _inspect_members(found.members):
            return Layout("inspect_zip", WHAT["inspect_zip"], framing="")
        if not src.path.name.lower().endswith((".zip", ".eval")):
            raise _unknown_ending(src)  # a spreadsheet or a document, zipped by its format
        raise Unreadable(
            "a zip archive that is not an inspect_ai log (.eval); cite the file inside it"
        )
    if found.kind == "parquet":
        if ending in ("jsonl", "jsonl.gz", "csv"):
            raise Unreadable(f"a Parquet file named as {_ending_words(ending)}; rename it .parquet")
        return Layout("parquet", WHAT["parquet"])
    if ending == "parquet":
        raise Unreadable(f"not a Parquet file: {_seems(found)}")
    if found.kind == "gzip-bad":
        raise Unreadable("compressed data is damaged or cut short; cite the file as written")
    if ending == "jsonl.gz" and found.compression != "gzip":
        raise Unreadable(f"not a gzip file: {_seems(found)}")
    if found.kind == "binary":
        expected = _ending_words(ending) if ending else "JSON, JSON lines or CSV text"
        raise Unreadable(f"binary data, not {expected}")
    if found.kind == "object":
        tool = _tool(found)
        if tool is not None:
            return _layout(src, found, tool)
        if ending is None:
            raise _unknown_ending(src)
        if found.framing in ("lines", "single") or ending == "csv":
            return _layout(src, found, "jsonl")
        name = "json" if found.framing == "document" else "json_seq"
        return _layout(src, found, name)
    if found.kind == "array" and ending in ("jsonl", "jsonl.gz"):
        raise Unreadable("a JSON array, not JSON lines: write one object per line")
    if found.kind == "text" and _pandera_yaml(src):
        return Layout("pandera", WHAT["pandera"], framing="document")
    if ending is None:
        raise _unknown_ending(src)
    if ending == "csv" and found.compression == "none":
        return Layout("csv", WHAT["csv"])
    # Not JSON-looking text under a JSON ending: reading it says which line is bad.
    return _layout(src, found, "jsonl")


def _pandera_yaml(src: Source) -> bool:
    """A YAML file (by its ending: YAML text has no signature) holding a pandera schema."""
    if not src.path.name.lower().endswith((".yaml", ".yml")):
        return False
    head = os.pread(src.fd, _SNIFF, 0)
    return any(line.startswith(b"schema_type:") for line in head.splitlines())


def _inspect_members(members: tuple[str, ...]) -> bool:
    return "header.json" in members or "_journal/start.json" in members


def _ending(src: Source) -> str | None:
    name = src.path.name.lower()
    # No ending is the end of another, so at most one matches.
    return next((f for end, f in ENDINGS.items() if name.endswith(end)), None)


def _ending_words(ending: str | None) -> str:
    return {"jsonl": "JSON lines", "jsonl.gz": "gzip-compressed JSON lines",
            "csv": "CSV", "parquet": "Parquet"}.get(ending or "", "a known format")  # fmt: skip


def _unknown_ending(src: Source) -> Unreadable:
    path = src.path
    known = ", ".join(sorted(ENDINGS))
    return Unreadable(
        f"cannot measure a '{path.suffix or path.name}' file; expected {known} "
        "(or name its format: in the evidence item)"
    )


def _seems(found: _Found) -> str:
    """What the content seems to be, in words."""
    if found.kind == "object":
        tool = _tool(found)
        if tool:
            return f"it seems to be {WHAT[tool]}"
        framing = {"lines": WHAT["jsonl"], "document": WHAT["json"], "single": WHAT["jsonl"],
                   "sequence": WHAT["json_seq"]}[found.framing]  # fmt: skip
        return f"it seems to hold {framing}"
    return {
        "zip": "it seems to be a zip archive",
        "parquet": "it seems to be a Parquet file",
        "gzip-bad": "it seems to be damaged gzip-compressed data",
        "binary": "it seems to hold binary data",
        "array": "it seems to hold a JSON array",
        "invalid": "it seems to hold text that is not valid JSON",
        "text": "it seems to hold plain text (CSV or other)",
    }[found.kind]


# -------------------------------------------------------------- declared formats


#: What a declared format accepts: layout names found by content.
_DECLARED_WORDS = {
    "jsonl": "JSON lines",
    "json": "one JSON document",
    "csv": "CSV",
    "parquet": "Parquet",
    "otlp": "an OpenTelemetry export (OTLP/JSON)",
    "otel_console": "OpenTelemetry console exporter output",
    "promptfoo": WHAT["promptfoo"],
    "inspect": "an inspect_ai log",
    "lm_eval": WHAT["lm_eval"],
    "mlflow": WHAT["mlflow"],
    "gx_validation": WHAT["gx_validation"],
}


def _agree(src: Source, declared: str, found: _Found) -> Layout:
    """The declared format's layout, when the bytes agree with it."""
    if declared not in _DECLARED_WORDS:
        known = ", ".join(["auto", *sorted(_DECLARED_WORDS)])
        raise Unreadable(f"unknown format '{declared}'; known: {known}")
    if found.kind == "gzip-bad":
        raise Unreadable("compressed data is damaged or cut short; cite the file as written")
    tool = _tool(found) if found.kind == "object" else None
    ok: bool
    if declared == "parquet":
        ok = found.kind == "parquet"
        if ok:
            return Layout("parquet", WHAT["parquet"])
    elif declared == "csv":
        ok = found.kind == "text" and found.compression == "none"
        if ok:
            return Layout("csv", WHAT["csv"])
    elif declared == "jsonl":
        ok = found.kind in ("object", "invalid", "text") and (
            found.kind != "object" or found.framing in ("lines", "single")
        )
        if ok:
            return _layout(src, found, "jsonl")
    elif declared == "json":
        ok = found.kind in ("object", "array") and found.framing in ("document", "single")
        if ok:
            return Layout(
                "json", WHAT["json"], "" if found.kind == "array" else None,
                found.compression, framing="document",
            )  # fmt: skip
    elif declared == "inspect":
        if found.kind == "zip" and _inspect_members(found.members):
            return Layout("inspect_zip", WHAT["inspect_zip"])
        ok = tool == "inspect"
    else:
        ok = tool == declared
    if ok:
        return _layout(src, found, declared)
    raise Unreadable(
        f"declared as {_DECLARED_WORDS[declared]} (format: {declared}), but {_seems(found)}; "
        "correct the format: or leave it out to decide from the content"
    )


def _with_records(src: Source, layout: Layout, records: str | None) -> Layout:
    """The layout with a records path, checked to name a list in the document."""
    if records is None:
        return layout
    if layout.framing != "document" or layout.name == "otlp":
        raise Unreadable(
            f"records: '{records}' names a list inside one JSON document, but this looks "
            f"like {layout.what}; leave records: out"
        )
    if layout.name == "json" and layout.records == "":
        raise Unreadable(
            f"records: '{records}' names a list inside a JSON object, but this document is "
            "itself a list; leave records: out"
        )
    kind = _records_type(src, layout, records)
    if kind != "ARRAY":
        shown = "is absent" if kind is None else "is not a list"
        raise Unreadable(
            f"records: '{records}' {shown} in this document; name the list of records "
            "with its dotted path (e.g. results.results)"
        )
    return replace(layout, records=records)


def _document_value(src: Source, layout: Layout, expression: str) -> Any:
    """One value computed over the document (column ``json``), or None."""
    import duckdb

    con = engine.connect()
    try:
        row = con.execute(
            f"SELECT {expression} FROM {document_sql(src, layout)} LIMIT 1"
        ).fetchone()
    except duckdb.Error as exc:
        raise Unreadable(engine.reason(exc, src)) from None
    finally:
        con.close()
    return row[0] if row else None


def _records_type(src: Source, layout: Layout, records: str) -> str | None:
    path = engine.literal(engine.json_path(records))
    kind: str | None = _document_value(src, layout, f"json_type(json, {path})")
    return kind


def _no_records_path(src: Source, layout: Layout) -> Unreadable:
    """One JSON document without a records path: name the lists that could be records."""
    found = _document_value(
        src,
        layout,
        "list_filter(json_keys(json), lambda k: json_type(json, '$.\"' || k || '\"') = 'ARRAY')",
    )
    lists = ", ".join(sorted(found or []))
    hint = f" (its lists: {lists})" if lists else ""
    return Unreadable(
        "this looks like one JSON document, not JSON lines; name the list of records in "
        f"it with records: in the evidence item{hint}, or write one record per line"
    )


def _what(layout: Layout) -> str:
    return layout.what or WHAT.get(layout.name, layout.name)
