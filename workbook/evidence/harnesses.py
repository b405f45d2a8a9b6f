"""Evaluation results as the tools write them, turned into one table of cases.

Plain tables (CSV, Parquet, JSON lines, one JSON document with a records path) and the
files of promptfoo, inspect_ai (``.eval``, ``.json``, ``samples_df`` CSV),
lm-evaluation-harness (``samples_*.jsonl``) and MLflow (``eval_results_table.json``)
each become ``Cases``: SQL for the case id, the candidate results and how each reads as
a pass, whether a case errored, its slice and provenance. ``evals`` measures them, the
same way for every tool.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from workbook.errors import Unreadable
from workbook.evidence import engine, formats
from workbook.evidence.engine import Source
from workbook.evidence.formats import Layout
from workbook.model.records import EvalColumns

if TYPE_CHECKING:  # imported on first use, by engine.connect
    import duckdb

PASS_WORDS = ("1", "true", "t", "yes", "y", "pass", "passed", "ok")
FAIL_WORDS = ("0", "false", "f", "no", "n", "fail", "failed")
#: inspect_ai's score values: CORRECT "C", INCORRECT "I", PARTIAL "P", NOANSWER "N" (and
#: the words its ``value_to_float`` reads). Only a correct answer passes.
INSPECT_PASS = ("c", "correct", "yes", "true")
INSPECT_FAIL = ("i", "incorrect", "p", "partial", "n", "noanswer", "no", "false")
#: inspect_ai's ``value_to_float``: the number each letter stands for, read against a pass mark.
INSPECT_VALUES = {"c": 1.0, "correct": 1.0, "yes": 1.0, "true": 1.0, "p": 0.5, "partial": 0.5,
                  "i": 0.0, "incorrect": 0.0, "n": 0.0, "noanswer": 0.0, "no": 0.0,
                  "false": 0.0}  # fmt: skip
#: Fields that say where a case came from, the first present decides.
PROVENANCE = ("source", "origin", "provenance", "dataset", "data_source", "generator")
#: Fields that flag a case as synthetic.
SYNTHETIC_FLAGS = ("synthetic", "is_synthetic")
#: Columns that hold a case's pass/fail result by their name. When a record maps its
#: result to another column, each of these the file has is measured too: the one that
#: passes the fewest cases decides (a column of 1s mapped as "passed" hides no failure).
RESULT_COLUMNS = ("passed", "pass", "result", "correct", "success", "is_correct")
WORDS_EXPECTED = "expected pass or fail, 1 or 0, true or false"

#: An inspect_ai ``.eval`` log is a zip archive. Its members are unpacked one at a time,
#: counting the bytes really produced (never the sizes the archive claims), and refused
#: past these limits: a zip bomb unpacks a small file into an enormous one.
ZIP_MAX_MEMBERS = 200_000
ZIP_MAX_MEMBER = 64 * 1024 * 1024
ZIP_MAX_TOTAL = 2 * 1024 * 1024 * 1024
#: Bytes unpacked per byte packed, over the members read; JSON logs pack 5 to 20 times.
ZIP_MAX_RATIO = 100
#: Below this many unpacked bytes the ratio is not judged (tiny members pack very well).
ZIP_RATIO_FLOOR = 1024 * 1024
_ZIP_STORED, _ZIP_DEFLATED, _ZIP_ZSTANDARD = 0, 8, 93
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Result:
    """One way a file records a case's result, and how it reads (SQL booleans)."""

    #: In words, for the rule: "'passed' column", "scorer 'includes'".
    label: str
    passes: str
    readable: str
    #: The case has no verdict because it errored (MLflow: no score in the row).
    errored: str = "false"
    #: What a readable value is, for the reason when one is not.
    expect: str = WORDS_EXPECTED
    #: How the value reads, for the rule ("C passes; I ... do not").
    detail: str = ""


@dataclass(frozen=True)
class Cases:
    """A file's cases as SQL: one row of ``source`` per case."""

    source: str
    #: The case id as text (NULL or blank: a case without an id).
    case: str
    #: Where the case id is, for reasons: "column 'case_id'".
    case_where: str
    #: The candidate results; ``choose`` says which decides.
    results: tuple[Result, ...]
    #: "first": the first decides; "overrule": the first is the record's mapping, and
    #: another passing fewer cases decides; "fewest": the one passing fewest decides.
    choose: str = "first"
    #: The candidates as a kind, plural, for the rule ("scorers", "metrics").
    kind: str = ""
    #: The case errored: the tool recorded an error instead of a verdict.
    errored: str = "false"
    slice: str | None = None
    origin: str | None = None
    flag: str | None = None
    #: lm-evaluation-harness: the filter each case went through (every filter a slice; the
    #: filter passing fewest, or the one named, decides the overall).
    group: str | None = None
    group_named: str | None = None
    #: Slices are the groups (else ``slice`` within the deciding group).
    group_slices: bool = False
    #: What a case is, for the rule: "a case per test, prompt and provider".
    unit: str = ""
    #: What an errored case is, in words.
    error_words: str = "the tool recorded an error instead of a verdict"
    #: Anything else the rule must say (a run that did not finish).
    note: str = ""


# ------------------------------------------------------------------ readings


def _words(value: str, label: str) -> Result:
    """Pass or fail written as a word, a boolean, or a number exactly 1 or 0 (1.0, "0.0")."""
    text = f"lower(trim(CAST({value} AS VARCHAR)))"
    number = f"TRY_CAST({text} AS DOUBLE)"
    yes = ", ".join(engine.literal(w) for w in PASS_WORDS)
    no = ", ".join(engine.literal(w) for w in FAIL_WORDS)
    return Result(
        label,
        f"({text} IN ({yes}) OR {number} = 1)",
        f"({text} IN ({yes}, {no}) OR {number} IN (0, 1))",
    )


def _score(value: str, label: str, mark: float) -> Result:
    number = f"TRY_CAST(trim(CAST({value} AS VARCHAR)) AS DOUBLE)"
    # NaN sorts above every number: it is no score, not a pass.
    return Result(
        label, f"({number} >= {mark!r})", f"isfinite({number})", expect="expected a number"
    )


def _inspect_value(value: str, label: str, mark: float | None) -> Result:
    """An inspect_ai score: C passes; I, P (partial) and N (no answer) do not."""
    text = f"lower(trim(CAST({value} AS VARCHAR)))"
    number = f"TRY_CAST({text} AS DOUBLE)"
    if mark is not None:
        cases = " ".join(f"WHEN {engine.literal(k)} THEN {v!r}" for k, v in INSPECT_VALUES.items())
        read = f"(CASE {text} {cases} ELSE {number} END)"
        return Result(
            label,
            f"({read} >= {mark!r})",
            f"isfinite({read})",
            expect="expected C, I, P or N, or a number",
        )
    yes = ", ".join(engine.literal(w) for w in INSPECT_PASS)
    every = ", ".join(engine.literal(w) for w in INSPECT_PASS + INSPECT_FAIL)
    return Result(
        label,
        f"({text} IN ({yes}) OR {number} = 1)",
        f"({text} IN ({every}) OR {number} IN (0, 1))",
        expect="expected C or I (or P, N), 1 or 0; name the scorer as a score with a pass "
        "mark to read other numbers",
        detail="C passes, and I, P (partial) and N (no answer) do not",
    )


# ------------------------------------------------------------------ rows


@dataclass(frozen=True)
class Rows:
    """A source's rows and how a named field is reached in them."""

    source: str
    #: Rows are JSON values in column ``json`` (else table columns).
    json: bool
    #: JSON: the paths a plain name is looked up under, in order ("" is the record itself).
    roots: tuple[str, ...] = ("",)
    #: Table: its columns; JSON: the keys of the first records (for reasons).
    names: tuple[str, ...] = ()

    def value(self, name: str) -> str:
        """SQL for the named field as text (NULL where a row lacks it)."""
        if not self.json:
            return f"CAST({engine.ident(name)} AS VARCHAR)"
        return self._coalesce(self.paths(name))

    def paths(self, name: str) -> list[str]:
        """The JSON paths a name may be at: a dotted name from the record, a plain one
        under each root."""
        parts = engine.segments(name)
        if len(parts) > 1:
            return [engine.json_path(name)]
        quoted = f'"{parts[0]}"' if parts else f'"{name}"'
        return [engine.json_path(f"{root}.{quoted}" if root else quoted) for root in self.roots]

    @staticmethod
    def _coalesce(paths: list[str]) -> str:
        values = [f"json_extract_string(json, {engine.literal(p)})" for p in paths]
        return values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"

    def exists(self, name: str) -> str:
        """SQL: this row has the field (JSON: even when its value is null)."""
        if not self.json:
            return "true" if name in self.names else "false"
        return " OR ".join(f"json_exists(json, {engine.literal(p)})" for p in self.paths(name))


def _present(con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, names: list[str]) -> set[str]:
    """Which of ``names`` some row has."""
    if not names:
        return set()
    if not rows.json:
        return {n for n in names if n in rows.names}
    counts = ", ".join(f"count_if({rows.exists(n)})" for n in names)
    found = engine.first_row(con, f"SELECT {counts} FROM {rows.source}", src)
    return {n for n, k in zip(names, found, strict=True) if k}


def _json_keys(con: duckdb.DuckDBPyConnection, src: Source, source: str) -> tuple[str, ...]:
    """The keys of the first records, in the order first seen (for reasons)."""
    seen: dict[str, None] = {}
    for (keys,) in engine.query(con, f"SELECT json_keys(json) FROM {source} LIMIT 1000", src):
        seen.update(dict.fromkeys(keys or ()))
    return tuple(seen)


def _missing(name: str, what: str, rows: Rows, where: str = "") -> Unreadable:
    if not rows.json:
        return Unreadable(
            f"no column '{name}' for the {what}; the file has {', '.join(rows.names)}"
        )
    has = f"; the records have {', '.join(rows.names)}" if rows.names else ""
    return Unreadable(f"no field '{name}' for the {what} in any record{where}{has}")


def _first_present(
    con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, names: tuple[str, ...]
) -> str | None:
    found = _present(con, src, rows, list(names))
    return next((n for n in names if n in found), None)


def _provenance(
    con: duckdb.DuckDBPyConnection, src: Source, rows: Rows
) -> tuple[str | None, str | None]:
    """SQL for the case's origin and synthetic flag, where the rows have such fields."""
    origin = _first_present(con, src, rows, PROVENANCE)
    flag = _first_present(con, src, rows, SYNTHETIC_FLAGS)
    return (
        rows.value(origin) if origin else None,
        rows.value(flag) if flag else None,
    )


def _slice(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    rows: Rows,
    named: str | None,
    default: str = "slice",
    where: str = "",
) -> str | None:
    """SQL for the slice: the named field (it must be there), else the default if present."""
    if named is not None:
        if not _present(con, src, rows, [named]):
            raise _missing(named, "slice", rows, where)
        return rows.value(named)
    return rows.value(default) if _present(con, src, rows, [default]) else None


# ------------------------------------------------------------------ plain tables


def _table(con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns) -> Cases:
    """CSV, Parquet, JSON lines or a JSON document's records: one row per case."""
    if layout.name in ("csv", "parquet"):
        source = engine.table(src, layout.name)
        rows = Rows(source, False, names=tuple(engine.columns(con, source, src)))
        if layout.name == "csv" and _is_samples_df(rows.names):
            return _inspect_table(con, src, rows, spec)
    else:
        source = formats.json_records(src, layout)
        rows = Rows(source, True, names=_json_keys(con, src, source))
    if not _present(con, src, rows, [spec.case]):
        raise _missing(spec.case, "case id", rows)
    results, choose = _table_results(con, src, rows, spec)
    origin, flag = _provenance(con, src, rows)
    return Cases(
        source,
        f"trim({rows.value(spec.case)})",
        f"column '{spec.case}'" if not rows.json else f"field '{spec.case}'",
        results,
        choose,
        kind="result columns",
        slice=_slice(con, src, rows, spec.slice),
        origin=origin,
        flag=flag,
    )


def _table_results(
    con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, spec: EvalColumns
) -> tuple[tuple[Result, ...], str]:
    if spec.score is not None:
        if not _present(con, src, rows, [spec.score]):
            raise _missing(spec.score, "score", rows)
        mark = float(spec.pass_mark or 0)
        named = _score(rows.value(spec.score), f"score '{spec.score}' at or above {mark:g}", mark)
        named_name = spec.score
    elif spec.passed is not None:
        if not _present(con, src, rows, [spec.passed]):
            raise _missing(spec.passed, "pass/fail result", rows)
        named = _words(rows.value(spec.passed), f"'{spec.passed}' column")
        named_name = spec.passed
    else:
        if not _present(con, src, rows, ["passed"]):
            raise Unreadable(
                "no 'passed' column; name the pass/fail column, or a score and pass mark"
            )
        return (_words(rows.value("passed"), "'passed' column"),), "first"
    # A mapped result is checked against every result column the file has.
    others = [c for c in RESULT_COLUMNS if c != named_name]
    found = _present(con, src, rows, others)
    extra = tuple(_words(rows.value(c), f"'{c}' column") for c in others if c in found)
    return (named, *extra), "overrule" if extra else "first"


# ------------------------------------------------------------------ promptfoo


def _promptfoo(
    con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns
) -> Cases:
    """promptfoo ``results.json``: a case per test, prompt and provider (one entry of
    ``results.results``), passing when ``success`` is true. An entry whose provider or
    run failed (``failureReason`` 2, or an ``error`` without grading) is errored."""
    source = formats.json_records(src, layout)
    # A plain name is the test's metadata, then the result's, then the test's variables.
    rows = Rows(
        source, True, roots=("testCase.metadata", "metadata", "vars", "testCase.vars"),
        names=_json_keys(con, src, source),
    )  # fmt: skip
    where = " (test metadata or vars)"
    test = "json_extract_string(json, '$.testIdx')"
    if "case" in spec.model_fields_set:
        if not _present(con, src, rows, [spec.case]):
            raise _missing(spec.case, "case id", rows, where)
        test = f"nullif(trim({rows.value(spec.case)}), '')"
    prompt = (
        "coalesce('prompt ' || json_extract_string(json, '$.promptIdx'), "
        "json_extract_string(json, '$.prompt.label'))"
    )
    provider = "coalesce(json_extract_string(json, '$.provider.id'), "
    provider += "json_extract_string(json, '$.provider'))"
    case = f"CASE WHEN {test} IS NOT NULL THEN concat_ws(' / ', {test}, {prompt}, {provider}) END"
    reason = "json_extract_string(json, '$.failureReason')"
    errored = (
        f"coalesce({reason} = '2' OR ({reason} IS NULL "
        "AND nullif(json_extract_string(json, '$.error'), '') IS NOT NULL "
        "AND json_extract(json, '$.gradingResult') IS NULL), false)"
    )
    success = "json_extract_string(json, '$.success')"
    result = Result(
        "'success' of each promptfoo result",
        f"({success} = 'true')",
        f"({success} IN ('true', 'false'))",
        expect="expected success true or false",
    )
    if spec.passed is not None or spec.score is not None:
        # A result is the entry's own field first (``score``, ``namedScores.x``).
        own = Rows(source, True, roots=("", *rows.roots), names=rows.names)
        result = _tool_named(con, src, own, spec, where)
    origin, flag = _provenance(con, src, rows)
    return Cases(
        source,
        case,
        "the test (testIdx)" if "case" not in spec.model_fields_set else f"'{spec.case}'",
        (result,),
        errored=errored,
        slice=_slice(con, src, rows, spec.slice, where=where),
        origin=origin,
        flag=flag,
        unit="a case per test, prompt and provider",
        error_words="the provider or the run failed, so nothing was graded",
    )


def _tool_named(
    con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, spec: EvalColumns, where: str
) -> Result:
    """The result field a record names in a tool's records (passed, or score and mark)."""
    name = spec.score if spec.score is not None else spec.passed
    assert name is not None
    if not _present(con, src, rows, [name]):
        raise _missing(name, "score" if spec.score else "pass/fail result", rows, where)
    if spec.score is not None:
        mark = float(spec.pass_mark or 0)
        return _score(rows.value(name), f"score '{name}' at or above {mark:g}", mark)
    return _words(rows.value(name), f"'{name}' field")


# ------------------------------------------------------------------ inspect_ai


def _inspect_json(
    con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns
) -> Cases:
    """An inspect_ai log written as JSON: its samples under ``samples``."""
    doc = formats.document_sql(src, layout)
    status, has_samples = engine.first_row(
        con,
        f"SELECT json_extract_string(json, '$.status'), json_type(json, '$.samples') = 'ARRAY' "
        f"FROM {doc}",
        src,
    )
    if not has_samples:
        raise _no_samples(layout)
    source = formats.json_records(src, layout)
    return _inspect_samples(con, src, source, spec, status)


def _inspect_zip(
    con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns
) -> Cases:
    """An inspect_ai ``.eval`` log: a zip archive, a JSON member per sample and epoch."""
    header, samples = read_eval_zip(src)
    if not samples:
        raise _no_samples(layout)
    con.execute(
        "CREATE TEMP TABLE inspect_samples AS SELECT CAST(unnest($1::VARCHAR[]) AS JSON) AS json",
        [samples],
    )
    status = header.get("status") if header else None
    return _inspect_samples(
        con, src, "inspect_samples", spec, status, has_header=header is not None
    )


def _no_samples(layout: Layout) -> Unreadable:
    return Unreadable(
        f"this looks like {layout.what} that holds no samples (written without them); "
        "cite a log written with its samples (inspect_ai's default), or the samples "
        "exported with samples_df as CSV"
    )


def _inspect_samples(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    source: str,
    spec: EvalColumns,
    status: str | None,
    has_header: bool = True,
) -> Cases:
    """inspect_ai samples (one JSON record each): a case per sample and epoch."""
    # A plain name is the sample's metadata, then the sample itself.
    rows = Rows(source, True, roots=("metadata", ""), names=_json_keys(con, src, source))
    where = " (sample metadata)"
    scorers = [
        s
        for (s,) in engine.query(
            con,
            f"SELECT DISTINCT unnest(json_keys(json, '$.scores')) AS s FROM {source} ORDER BY s",
            src,
        )
    ]
    mark = spec.pass_mark if spec.score is not None else None
    named = spec.score if spec.score is not None else spec.passed

    def scorer(name: str) -> Result:
        path = engine.json_path(f'scores."{name}".value')
        value = f"json_extract_string(json, {engine.literal(path)})"
        return _inspect_value(value, f"scorer '{name}'", mark)

    if named is not None:
        if named not in scorers:
            known = ", ".join(scorers) or "none"
            raise Unreadable(f"no scorer '{named}' in the log's samples; its scorers: {known}")
        results: tuple[Result, ...] = (scorer(named),)
        choose = "first"
    else:
        if not scorers:
            raise Unreadable("no sample of this inspect_ai log has a score; cite a scored run")
        results = tuple(scorer(s) for s in scorers)
        choose = "fewest" if len(results) > 1 else "first"
    note = ""
    if not has_header:
        note = "the log has no header: the run had not finished"
    elif status not in (None, "success"):
        note = f"the run ended with status '{status}': only the samples it logged count"
    origin, flag = _provenance(con, src, rows)
    sample_id = "nullif(trim(json_extract_string(json, '$.id')), '')"
    epoch = "coalesce(json_extract_string(json, '$.epoch'), '1')"
    return Cases(
        source,
        f"CASE WHEN {sample_id} IS NOT NULL THEN {sample_id} || ' (epoch ' || {epoch} || ')' END",
        "field 'id'",
        results,
        choose,
        kind="scorers",
        errored="(json_extract(json, '$.error') IS NOT NULL "
        "AND json_type(json, '$.error') <> 'NULL')",
        slice=_slice(con, src, rows, spec.slice, where=where),
        origin=origin,
        flag=flag,
        unit="a case per sample and epoch",
        error_words="the sample ended with an error, so it was not scored",
        note=note,
    )


#: The columns inspect_ai's ``samples_df`` always writes.
_SAMPLES_DF = {"sample_id", "eval_id", "id", "epoch", "error"}


def _is_samples_df(names: tuple[str, ...]) -> bool:
    return set(names) >= _SAMPLES_DF and any(n.startswith("score_") for n in names)


def _inspect_table(
    con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, spec: EvalColumns
) -> Cases:
    """inspect_ai samples exported with ``samples_df`` as CSV: ``score_<scorer>`` columns,
    ``metadata_<key>`` columns, ``error``; a case per sample (``id``) and ``epoch``."""
    scorers = [n.removeprefix("score_") for n in rows.names if n.startswith("score_")]
    mark = spec.pass_mark if spec.score is not None else None
    named = spec.score if spec.score is not None else spec.passed

    def scorer(name: str) -> Result:
        return _inspect_value(rows.value(f"score_{name}"), f"scorer '{name}'", mark)

    if named is not None:
        name = named.removeprefix("score_")
        if name not in scorers:
            raise Unreadable(
                f"no scorer '{name}' in the samples; its scorers: {', '.join(scorers)}"
            )
        results: tuple[Result, ...] = (scorer(name),)
        choose = "first"
    else:
        results = tuple(scorer(s) for s in scorers)
        choose = "fewest" if len(results) > 1 else "first"
    slice_sql = None
    wanted = spec.slice if spec.slice is not None else "slice"
    column = next((c for c in (f"metadata_{wanted}", wanted) if c in rows.names), None)
    if column is not None:
        slice_sql = rows.value(column)
    elif spec.slice is not None:
        raise _missing(f"metadata_{spec.slice}", "slice", rows)
    # Provenance and synthetic flags are sample metadata: ``metadata_<key>`` columns.
    meta = {n.removeprefix("metadata_") for n in rows.names if n.startswith("metadata_")}
    origin_name = next((n for n in PROVENANCE if n in meta), None)
    flag_name = next((n for n in SYNTHETIC_FLAGS if n in meta), None)
    sample_id = f"nullif(trim({rows.value('id')}), '')"
    epoch = f"coalesce({rows.value('epoch')}, '1')"
    return Cases(
        rows.source,
        f"CASE WHEN {sample_id} IS NOT NULL THEN {sample_id} || ' (epoch ' || {epoch} || ')' END",
        "column 'id'",
        results,
        choose,
        kind="scorers",
        errored=f"coalesce(trim({rows.value('error')}), '') <> ''",
        slice=slice_sql,
        origin=rows.value(f"metadata_{origin_name}") if origin_name else None,
        flag=rows.value(f"metadata_{flag_name}") if flag_name else None,
        unit="a case per sample and epoch",
        error_words="the sample ended with an error, so it was not scored",
    )


def read_eval_zip(src: Source) -> tuple[dict[str, Any] | None, list[str]]:
    """An inspect_ai ``.eval`` archive's header (None if absent) and its samples, each as
    JSON text holding only what is measured (id, epoch, scores, metadata, error).

    Raises ``Unreadable`` for a damaged archive or one that unpacks beyond the limits.
    """
    with open(src.location, "rb") as raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Unreadable(
                f"this looks like an inspect_ai log (.eval) but the zip archive is damaged "
                f"({exc}); cite the log as inspect_ai wrote it"
            ) from None
        with archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_MEMBERS:
                raise _bomb(f"holds {len(infos):,} members (more than {ZIP_MAX_MEMBERS:,})")
            wanted = [i for i in infos if _sample_member(i.filename) or i.filename == "header.json"]
            _check_declared(wanted)
            budget = _Budget()
            header = None
            samples = []
            for info in wanted:
                value = _load(raw, info, budget)
                if info.filename == "header.json":
                    header = value if isinstance(value, dict) else None
                elif isinstance(value, dict):
                    samples.append(json.dumps(_kept(value)))
                else:
                    raise _damaged(info.filename, "not a JSON object")
    return header, samples


def _sample_member(name: str) -> bool:
    return name.startswith("samples/") and name.endswith(".json")


def _kept(sample: dict[str, Any]) -> dict[str, Any]:
    """What is measured of a sample: transcripts, messages and events are dropped."""
    scores = sample.get("scores") or {}
    return {
        "id": sample.get("id"),
        "epoch": sample.get("epoch"),
        "scores": {
            k: {"value": v.get("value") if isinstance(v, dict) else v}
            for k, v in (scores.items() if isinstance(scores, dict) else ())
        },
        "metadata": sample.get("metadata"),
        "error": sample.get("error"),
    }


def _bomb(what: str) -> Unreadable:
    return Unreadable(
        f"this looks like an inspect_ai log (.eval, a zip archive) that {what}, as a zip "
        "bomb does; it was not unpacked. Cite the log as inspect_ai wrote it, or its samples "
        "exported with samples_df as CSV"
    )


def _damaged(member: str, what: str) -> Unreadable:
    return Unreadable(
        f"this looks like an inspect_ai log (.eval) but its member '{member}' is damaged "
        f"({what}); cite the log as inspect_ai wrote it"
    )


def _check_declared(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse on the sizes the archive declares, before unpacking anything."""
    for info in infos:
        if info.file_size > ZIP_MAX_MEMBER:
            raise _bomb(
                f"declares a member ('{info.filename}') of {info.file_size:,} bytes "
                f"(more than {ZIP_MAX_MEMBER:,})"
            )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > ZIP_MAX_TOTAL:
        raise _bomb(f"declares {total:,} bytes unpacked (more than {ZIP_MAX_TOTAL:,})")
    if total > ZIP_RATIO_FLOOR and total > ZIP_MAX_RATIO * max(packed, 1):
        raise _bomb(f"declares {total // max(packed, 1):,} times its packed size unpacked")


@dataclass
class _Budget:
    """Bytes packed and unpacked so far, across members."""

    packed: int = 0
    unpacked: int = 0

    def add(self, packed: int, unpacked: int) -> None:
        self.packed += packed
        self.unpacked += unpacked
        if self.unpacked > ZIP_MAX_TOTAL:
            raise _bomb(f"unpacks to more than {ZIP_MAX_TOTAL:,} bytes")
        if self.unpacked > ZIP_RATIO_FLOOR and self.unpacked > ZIP_MAX_RATIO * max(self.packed, 1):
            raise _bomb(f"unpacks to more than {ZIP_MAX_RATIO} times its packed size")


def _load(raw: Any, info: zipfile.ZipInfo, budget: _Budget) -> Any:
    """One member unpacked (within the limits, whatever sizes it claims) and parsed."""
    data = _unpack(raw, info, budget)
    if zlib.crc32(data) != info.CRC or len(data) != info.file_size:
        raise _damaged(info.filename, "its checksum or size does not match")
    try:
        return formats.parse_json(data)
    except Unreadable as exc:
        raise _damaged(info.filename, exc.reason) from None


def _unpack(raw: Any, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    if info.flag_bits & 0x1:
        raise Unreadable(
            "this looks like an inspect_ai log (.eval) that is encrypted; cite it unencrypted"
        )
    raw.seek(info.header_offset)
    local = raw.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _damaged(info.filename, "no local header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    unpack = _decompressor(info)
    out = bytearray()
    left = info.compress_size
    while left > 0:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            raise _damaged(info.filename, "cut short")
        left -= len(chunk)
        # One byte over the member limit is enough to know it is too large.
        piece = unpack(chunk, ZIP_MAX_MEMBER - len(out) + 1)
        out += piece
        budget.add(len(chunk), len(piece))
        if len(out) > ZIP_MAX_MEMBER:
            raise _bomb(
                f"has a member ('{info.filename}') unpacking to more than {ZIP_MAX_MEMBER:,} bytes"
            )
    return bytes(out)


def _decompressor(info: zipfile.ZipInfo) -> Callable[[bytes, int], bytes]:
    """A function unpacking the next chunk to at most the given number of bytes."""
    method = info.compress_type
    if method == _ZIP_STORED:
        return lambda chunk, limit: chunk[:limit]
    if method == _ZIP_DEFLATED:
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)

        def deflated(chunk: bytes, limit: int) -> bytes:
            try:
                return inflate.decompress(chunk, limit)
            except zlib.error as exc:
                raise _damaged(info.filename, str(exc)) from None

        return deflated
    if method == _ZIP_ZSTANDARD:
        decompressor = _zstd()

        def zstd(chunk: bytes, limit: int) -> bytes:
            try:
                return decompressor.decompress(chunk, limit)
            except Exception as exc:  # ZstdError: the module's own class
                raise _damaged(info.filename, str(exc)) from None

        return zstd
    raise Unreadable(
        f"this looks like an inspect_ai log (.eval) whose members are packed with zip "
        f"method {method}, which is not read (stored, deflate and zstd are); cite the log "
        "as inspect_ai wrote it"
    )


def _zstd() -> Any:
    """A Zstandard decompressor (inspect_ai packs ``.eval`` members with zstd since 0.3.215)."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        try:
            from backports import zstd
        except ImportError:
            raise Unreadable(
                "this inspect_ai log (.eval) is packed with Zstandard, which needs the "
                "backports.zstd package: pip install backports.zstd"
            ) from None
    return zstd.ZstdDecompressor()


# ------------------------------------------------------------------ lm-evaluation-harness


def _lm_eval(
    con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns
) -> Cases:
    """lm-evaluation-harness ``samples_<task>_<time>.jsonl``: a line per document and filter.

    A case per (doc_id, filter): several filters of one document are not repeated ids.
    The result is a metric the line lists in ``metrics`` (1.0 or 0.0 per document). Each
    filter is a slice; the filter passing fewest decides the overall, unless the record
    names one (``passed: exact_match,strict-match``, as lm-eval names its results).
    """
    source = formats.json_records(src, layout)
    rows = Rows(source, True, roots=("", "doc"), names=_json_keys(con, src, source))
    metrics = [
        m
        for (m,) in engine.query(
            con,
            f"SELECT DISTINCT unnest(CAST(json->'$.metrics' AS VARCHAR[])) AS m FROM {source} "
            "ORDER BY m",
            src,
        )
    ]
    named = spec.score if spec.score is not None else spec.passed
    group_named = None
    if named is not None and "," in named:
        named, group_named = (part.strip() for part in named.rsplit(",", 1))

    def metric(name: str) -> Result:
        # A metric is the line's own field, never the document's.
        value = f"json_extract_string(json, {engine.literal(engine.json_path(_quoted(name)))})"
        if spec.score is not None:
            mark = float(spec.pass_mark or 0)
            return _score(value, f"metric '{name}' at or above {mark:g}", mark)
        expect = f"expected metric '{name}' to be 1 or 0; name it as a score with a pass mark"
        return replace(_words(value, f"metric '{name}'"), expect=expect)

    if named is not None:
        if named not in metrics and not _present(con, src, Rows(source, True), [_quoted(named)]):
            known = ", ".join(metrics) or "none"
            raise Unreadable(f"no metric '{named}' in the samples; their metrics: {known}")
        results: tuple[Result, ...] = (metric(named),)
        choose = "first"
    else:
        if not metrics:
            raise Unreadable("the samples list no metrics; name the result with passed:")
        results = tuple(metric(m) for m in metrics)
        choose = "fewest" if len(results) > 1 else "first"
    flt = "coalesce(json_extract_string(json, '$.filter'), 'none')"
    doc = "nullif(trim(json_extract_string(json, '$.doc_id')), '')"
    (filters,) = engine.first_row(con, f"SELECT count(DISTINCT {flt}) FROM {source}", src)
    origin, flag = _provenance(con, src, rows)
    return Cases(
        source,
        f"CASE WHEN {doc} IS NULL THEN NULL ELSE 'doc ' || {doc} || ' / ' || {flt} END",
        "field 'doc_id'",
        results,
        choose,
        kind="metrics",
        slice=_slice(con, src, rows, spec.slice) if spec.slice or filters < 2 else None,
        origin=origin,
        flag=flag,
        group=flt,
        group_named=group_named,
        group_slices=spec.slice is None and filters > 1,
        unit="a case per document and filter",
    )


# ------------------------------------------------------------------ MLflow


def _mlflow(
    con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns
) -> Cases:
    """MLflow ``eval_results_table.json`` (``columns`` + ``data``): a row per case; its
    id from the case column (``case_id`` or ``id``), else the row number. A row whose
    deciding score is empty errored (the model gave no prediction to score)."""
    records = formats.json_records(src, layout)
    source = f"(SELECT row_number() OVER () AS row_number, json FROM {records})"
    (names,) = engine.first_row(
        con,
        f"SELECT CAST(json->'$.columns' AS VARCHAR[]) FROM {formats.document_sql(src, layout)}",
        src,
    )
    rows = Rows(source, True, names=tuple(names or ()))
    columns = set(rows.names)
    if "case" in spec.model_fields_set:
        if spec.case not in columns:
            raise _missing(spec.case, "case id", rows)
        case_col: str | None = spec.case
    else:
        case_col = next((c for c in ("case_id", "id") if c in columns), None)
    if case_col is not None:
        case = f"trim({rows.value(_quoted(case_col))})"
        where = f"column '{case_col}'"
    else:
        case, where = "CAST(row_number AS VARCHAR)", "the row number"

    def column(name: str) -> Result:
        value = rows.value(_quoted(name))
        reading = (
            _score(value, f"'{name}' column at or above {spec.pass_mark:g}", float(spec.pass_mark))
            if spec.score is not None and spec.pass_mark is not None
            else _words(value, f"'{name}' column")
        )
        # No value at all: the row was not scored (no prediction).
        return Result(reading.label, reading.passes, reading.readable, f"({value} IS NULL)",
                      reading.expect)  # fmt: skip

    named = spec.score if spec.score is not None else spec.passed
    if named is not None:
        if named not in columns:
            raise _missing(named, "score" if spec.score else "pass/fail result", rows)
        results: tuple[Result, ...] = (column(named),)
        choose = "first"
    else:
        found = [c for c in rows.names if c.endswith("/score") or c in RESULT_COLUMNS]
        binary = _binary(con, src, rows, found)
        if not binary:
            raise Unreadable(
                "no column of 1s and 0s to read as pass/fail in this MLflow table; name the "
                "pass/fail column (columns: passed:) or a score and pass mark; its columns: "
                + ", ".join(rows.names)
            )
        results = tuple(column(c) for c in binary)
        choose = "fewest" if len(results) > 1 else "first"
    origin = next((c for c in PROVENANCE if c in columns), None)
    flag = next((c for c in SYNTHETIC_FLAGS if c in columns), None)
    slice_col = spec.slice if spec.slice is not None else ("slice" if "slice" in columns else None)
    if slice_col is not None and slice_col not in columns:
        raise _missing(slice_col, "slice", rows)
    return Cases(
        source,
        case,
        where,
        results,
        choose,
        kind="score columns",
        slice=rows.value(_quoted(slice_col)) if slice_col else None,
        origin=rows.value(_quoted(origin)) if origin else None,
        flag=rows.value(_quoted(flag)) if flag else None,
        unit="a case per row",
        error_words="the row has no score (no prediction to score)",
    )


def _quoted(name: str) -> str:
    """A column name as one field-path key, whatever it holds ("correct/score", "a.b")."""
    return f'"{name}"'


def _binary(con: duckdb.DuckDBPyConnection, src: Source, rows: Rows, names: list[str]) -> list[str]:
    """The columns whose values, where present, are all pass/fail (1 or 0 and the like)."""
    if not names:
        return []
    counts = []
    for name in names:
        value = rows.value(_quoted(name))
        counts.append(f"count({value}), count_if({_words(value, '').readable})")
    found = engine.first_row(con, f"SELECT {', '.join(counts)} FROM {rows.source}", src)
    return [
        n
        for n, present, readable in zip(names, found[::2], found[1::2], strict=True)
        if present and present == readable
    ]


# ------------------------------------------------------------------ registry

Reader = Callable[["duckdb.DuckDBPyConnection", Source, Layout, EvalColumns], Cases]

#: The reader for each layout ``formats.detect`` names.
READERS: dict[str, Reader] = {
    "csv": _table,
    "parquet": _table,
    "jsonl": _table,
    "jsonl.gz": _table,
    "json": _table,
    "json_seq": _table,
    "promptfoo": _promptfoo,
    "inspect": _inspect_json,
    "inspect_zip": _inspect_zip,
    "lm_eval": _lm_eval,
    "mlflow": _mlflow,
}


def cases(con: duckdb.DuckDBPyConnection, src: Source, layout: Layout, spec: EvalColumns) -> Cases:
    """The file's cases, read by its layout's reader; other layouts are refused."""
    reader = READERS.get(layout.name)
    if reader is None:
        raise formats.refuse(layout, "evaluation")
    return reader(con, src, layout, spec)
