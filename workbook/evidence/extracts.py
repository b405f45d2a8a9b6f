"""Data extracts: do the declared expectations hold on a real sample of the data?

Each expectation that fails is a measured data gap, set beside the gaps the
team declared in its register. The expectations are the record's own and those of
the suite it names (``suites``); an extract is a CSV or Parquet file, measured here,
or a Great Expectations validation result, whose checks GX ran and reports.

Uniqueness is counted two ways: the rows that share a key with another row (what
Great Expectations and pandera report, and what ``Check.rows`` holds) and the rows
that repeat a key already seen (rows minus distinct keys); 27 keys on two rows each
are 54 of the first and 27 of the second.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from workbook.evidence import engine, formats, pii, suites
from workbook.evidence.engine import Source
from workbook.evidence.suites import Expectation, Suite
from workbook.model.records import DataExpectations

if TYPE_CHECKING:
    import duckdb

SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}
#: A validation result is one JSON document read whole; beyond this it holds row lists
#: nobody needs (GX writes them with result_format COMPLETE).
MAX_VALIDATION_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One expectation on one column (or key), and what the extract showed."""

    expectation: str
    column: str
    passed: bool
    detail: str
    #: Rows that break it (0 when it holds or does not count rows). For uniqueness: the
    #: rows that share a key with another row, as GX and pandera count.
    rows: int = 0


@dataclass(frozen=True)
class ExtractMeasures:
    rows: int
    columns: tuple[str, ...]
    checks: tuple[Check, ...]
    #: Newest date in the freshness column, if one is declared and readable.
    newest: dt.date | None = None
    freshness: tuple[str, int] | None = None
    #: Declared expectations the workbook could not check (listed, never counted as held).
    unchecked: tuple[Check, ...] = ()
    #: Who ran the checks: "" when measured here on the data, else the tool, in words.
    reported_by: str = ""
    #: A validation result: the day the tool ran it.
    ran: dt.date | None = None
    #: The suite file's SHA-256, when the record names one: it decides what is checked.
    suite_sha256: str | None = None
    #: Each check that tolerates some values breaking it (GX ``mostly``): (column,
    #: expectation, the largest share of values that may break it).
    tolerated: tuple[tuple[str, str, float], ...] = ()

    def results(self, as_of: dt.date) -> list[Check]:
        """Every check, freshness judged as of a date."""
        out = list(self.checks)
        if self.freshness is not None:
            column, max_age = self.freshness
            if self.newest is None:
                out.append(Check("freshness", column, False, "no readable date in the column"))
            else:
                age = (as_of - self.newest).days
                ok = age <= max_age
                detail = f"newest row {self.newest} is {age} days old; at most {max_age} allowed"
                out.append(Check("freshness", column, ok, detail))
        return out

    def gaps(self, as_of: dt.date) -> list[Check]:
        return [c for c in self.results(as_of) if not c.passed]


def _missing(col: str) -> str:
    return f"({col} IS NULL OR trim(CAST({col} AS VARCHAR)) = '')"


def _is_type(text: str, kind: str) -> str:
    """SQL: the text reads as a value of ``kind``."""
    cast = f"TRY_CAST({text} AS {SQL_TYPES[kind]})"
    if kind == "integer":
        # DuckDB rounds '1.5' to 2 when casting to an integer; a whole number must stay whole.
        return f"coalesce({cast} = TRY_CAST({text} AS DOUBLE), false)"
    return f"({cast} IS NOT NULL)"


def _examples(values: Sequence[Any]) -> str:
    """The (at most three) failing values the query picked, as shown in a check's detail."""
    if not values:
        return ""
    # Values end up in shared dossiers: personal data in them is shown redacted.
    # Dates (8 digits) stay readable; longer runs may be account or phone numbers.
    shown = [repr(pii.redact(str(v)[:40], min_digits=9)) for v in values]
    return f" (e.g. {', '.join(shown)})"


def inspect_extract(
    path: Path | Source,
    expect: DataExpectations | None = None,
    declared: str = "auto",
    records: str | None = None,
    suite: Suite | None = None,
) -> ExtractMeasures:
    """Measure an extract (CSV or Parquet) against its expectations, or read what a
    Great Expectations validation result reports.

    ``suite`` is the suite file the record names, already read (``suites.load_cited``).
    """
    with engine.held(path) as src:
        layout = formats.detect(src, declared, records)
        if layout.name == "gx_validation":
            return _validation(src, expect, suite)
        if layout.name not in ("csv", "parquet"):
            raise formats.refuse(layout, "data_extract")
        return _measure(src, layout.name, expect, suite)


def expectations_of(expect: DataExpectations | None, suite: Suite | None) -> list[Expectation]:
    """The record's own expectations, then the suite's, in the order they are reported."""
    return suites.declared(expect) + list(suite.expectations if suite else ())


# --------------------------------------------------------------- measured on the data


@dataclass(frozen=True)
class _Table:
    """The extract, open in DuckDB."""

    con: duckdb.DuckDBPyConnection
    source: str
    src: Source
    rows: int
    have: tuple[str, ...]

    def one(self, sql: str) -> Sequence[Any]:
        return engine.first_row(self.con, sql, self.src)

    def count(self, bad: str, col: str | None = None) -> tuple[int, list[str], int]:
        """Rows where ``bad`` holds, the first three distinct filled values of ``col`` among
        them, and the rows where ``col`` is filled."""
        if col is None:
            (n,) = self.one(f"SELECT count_if({bad}) FROM {self.source}")
            return n, [], self.rows
        text = f"CAST({col} AS VARCHAR)"
        n, examples, filled = self.one(
            f"SELECT count_if({bad}), list(DISTINCT {text} ORDER BY {text}) "
            f"FILTER (WHERE {bad} AND NOT {_missing(col)})[1:3], "
            f"count_if(NOT {_missing(col)}) FROM {self.source}"
        )
        return n, examples, filled


def _measure(
    src: Source, fmt: str, expect: DataExpectations | None, suite: Suite | None
) -> ExtractMeasures:
    con = engine.connect()
    source = engine.table(src, fmt)
    have = tuple(engine.columns(con, source, src))
    (rows,) = engine.first_row(con, f"SELECT count(*) FROM {source}", src)
    if not rows:
        raise engine.Unreadable("the extract has a header but no rows")
    t = _Table(con, source, src, rows, have)
    checks: list[Check] = []
    unchecked: list[Check] = []
    gone: set[tuple[str, str]] = set()  # (suite, column) a suite requires and the extract lacks
    for e in expectations_of(expect, suite):
        if e.kind == "unchecked":
            unchecked.append(_not_checked(e))
            continue
        if e.origin and any((e.origin, c) in gone for c in e.columns):
            continue  # a suite's missing column fails once, not once more per check on it
        found = _check(t, e)
        if e.kind == "required" and e.origin and not found[0].passed:
            gone.add((e.origin, e.columns[0]))
        checks += found
    newest, fresh = None, None
    if expect is not None and expect.freshness is not None:
        column = expect.freshness.column
        fresh = (column, expect.freshness.max_age_days)
        if column not in have:
            checks.append(Check("freshness", column, False, "column is missing"))
            fresh = None
        else:
            text = f"CAST({engine.ident(column)} AS VARCHAR)"
            (newest,) = t.one(
                f"SELECT max(coalesce(TRY_CAST({text} AS DATE), "
                f"CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))) FROM {source}"
            )
    con.close()
    return ExtractMeasures(
        rows, have, tuple(checks), newest, fresh, tuple(unchecked),
        suite_sha256=suite.sha256 if suite else None,
        tolerated=_tolerated(expectations_of(expect, suite)),
    )  # fmt: skip


def _tolerated(expectations: list[Expectation]) -> tuple[tuple[str, str, float], ...]:
    return tuple((e.column, e.label, 1 - e.mostly) for e in expectations if e.mostly < 1)


def _not_checked(e: Expectation) -> Check:
    where = f" (from {e.origin})" if e.origin else ""
    return Check(e.label, e.column, False, f"not checked by the workbook{where}: {e.note}")


def _check(t: _Table, e: Expectation) -> list[Check]:
    """The checks for one expectation: one per absent column, else one."""
    if e.kind == "row_count":
        ok = _within(t.rows, e)
        return [
            Check("row count", "(table)", ok, f"{_count(t.rows, 'row')}; {_bounds(e)} required")
        ]
    absent = [c for c in e.columns if c not in t.have]
    if e.kind == "required":
        return [
            Check("required", e.column, not absent, "column is missing" if absent else "present")
        ]
    if absent:
        return [] if e.optional else [Check(e.label, c, False, "column is missing") for c in absent]
    if e.kind in ("unique", "unique_key"):
        return [_uniqueness(t, e)]
    col = engine.ident(e.columns[0])
    if e.kind == "missing_share":
        n, _, _ = t.count(_missing(col))
        share = n / t.rows
        ok = share <= e.max_share
        detail = f"{share:.1%} empty ({n} of {t.rows}); at most {e.max_share:.1%} allowed"
        return [Check("missing share", e.column, ok, detail, n if not ok else 0)]
    if e.kind == "not_null":
        n, _, _ = t.count(_missing(col))
        return [_map_result(e, n, t.rows, t.rows, [])]
    breaks = _breaks(e, col)
    if e.kind == "type" and e.whole:
        # The tool's type holds no empty value: an empty cell breaks it too.
        n, examples, filled = t.count(f"({_missing(col)} OR {breaks})", col)
        return [_map_result(e, n, t.rows, t.rows, examples, empty=t.rows - filled)]
    n, examples, filled = t.count(f"NOT {_missing(col)} AND {breaks}", col)
    return [_map_result(e, n, t.rows, filled, examples)]


def _breaks(e: Expectation, col: str) -> str:
    """SQL: a filled value of ``col`` breaks the value-by-value expectation ``e``."""
    text = f"CAST({col} AS VARCHAR)"
    if e.kind == "type":
        return "NOT (" + " OR ".join(_is_type(text, k) for k in e.types) + ")"
    if e.kind == "allowed":
        if e.compare == "text":
            return f"{text} NOT IN ({', '.join(engine.literal(v) for v in e.values)})"
        sql_type = "DOUBLE" if e.compare == "number" else "BOOLEAN"
        listed = ", ".join(_sql_value(v) for v in e.values)
        return f"NOT coalesce(TRY_CAST({text} AS {sql_type}) IN ({listed}), false)"
    if e.kind == "range":
        sql_type = "DOUBLE" if e.compare == "number" else "TIMESTAMP"
        value = f"TRY_CAST({text} AS {sql_type})"
        tests = []
        if e.low is not None:
            tests.append(f"{value} {'>' if e.low_strict else '>='} {_sql_bound(e.low, sql_type)}")
        if e.high is not None:
            tests.append(f"{value} {'<' if e.high_strict else '<='} {_sql_bound(e.high, sql_type)}")
        # A value that is not a number (or date) lies in no range.
        return f"NOT coalesce({' AND '.join(tests)}, false)"
    raise ValueError(f"not a value-by-value expectation: {e.kind}")


def _sql_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(float(v))


def _sql_bound(v: Any, sql_type: str) -> str:
    if sql_type == "DOUBLE":
        return repr(float(v))
    return f"CAST({engine.literal(str(v))} AS TIMESTAMP)"


def _uniqueness(t: _Table, e: Expectation) -> Check:
    cols = ", ".join(engine.ident(c) for c in e.columns)
    where = ""
    if e.skip_missing:
        every = " AND ".join(_missing(engine.ident(c)) for c in e.columns)
        where = f"WHERE NOT ({every})"
    sharing, repeats = t.one(
        f"SELECT coalesce(sum(k), 0), coalesce(sum(k - 1), 0) FROM (SELECT count(*) AS k "
        f"FROM {t.source} {where} GROUP BY {cols} HAVING count(*) > 1)"
    )
    (considered,) = t.one(f"SELECT count(*) FROM {t.source} {where}")
    return _map_result(e, int(sharing), t.rows, considered, [], repeats=int(repeats))


# ------------------------------------------------------------------------- in words


def _map_result(
    e: Expectation,
    n: int,
    rows: int,
    considered: int,
    examples: Sequence[Any],
    empty: int = 0,
    repeats: int | None = None,
) -> Check:
    """A value-by-value check: ``n`` of the ``considered`` values break it (GX's rule:
    it holds when at least ``mostly`` of them do; none considered, it holds)."""
    ok = considered == 0 or (considered - n) / considered >= e.mostly
    detail = _said(e, n, rows, examples, empty, repeats)
    if e.mostly < 1:
        held = 1.0 if considered == 0 else (considered - n) / considered
        values = "values" if e.kind == "not_null" else "filled values"
        detail += (
            f"; {held:.1%} of {considered:,} {values} hold it, at least "
            f"{_share(e.mostly)} required (mostly {e.mostly:g})"
        )
    return Check(e.label, e.column, ok, detail, n if not ok else 0)


def _said(
    e: Expectation, n: int, rows: int, examples: Sequence[Any], empty: int, repeats: int | None
) -> str:
    """What a check found, in the same words whoever counted it."""
    ex = _examples(examples)
    if e.kind == "not_null":
        return f"{n} of {rows} values are empty" if n else "no value is empty"
    if e.kind == "type":
        kinds = " or ".join(e.types)
        if not n:
            return f"all {kinds}"
        held = f" ({empty} empty, which {e.type_shown} cannot hold)" if empty else ""
        return f"{n} of {rows} values are not {kinds}{held}{ex}"
    if e.kind == "allowed":
        listed = ", ".join(suites._text(v) for v in e.values)
        return f"{n} of {rows} values outside {listed}{ex}" if n else "all values allowed"
    if e.kind == "range":
        return f"{n} of {rows} values are not {_bounds(e)}{ex}" if n else f"all values {_bounds(e)}"
    if e.kind in ("unique", "unique_key"):
        what = "key" if e.kind == "unique_key" else "value"
        if not n:
            return f"every {what} is unique"
        text = f"{n:,} rows share a {what} with another row"
        if repeats is not None:
            verb = "repeats" if repeats == 1 else "repeat"
            text += f"; {repeats:,} of them {verb} a {what} already seen"
        return text + f" (GX and pandera count the {n:,})"
    raise ValueError(f"no words for {e.kind}")


def _number(v: Any) -> str:
    if isinstance(v, str):
        return v
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _bounds(e: Expectation) -> str:
    """'between 1 and 4000', 'at least 0', 'above 0 and at most 1'."""
    low, high = e.low, e.high
    if low is not None and high is not None and not e.low_strict and not e.high_strict:
        return f"between {_number(low)} and {_number(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'above' if e.low_strict else 'at least'} {_number(low)}")
    if high is not None:
        parts.append(f"{'below' if e.high_strict else 'at most'} {_number(high)}")
    return " and ".join(parts)


def _within(value: float, e: Expectation) -> bool:
    if e.low is not None and (value <= e.low if e.low_strict else value < e.low):
        return False
    return not (e.high is not None and (value >= e.high if e.high_strict else value > e.high))


def _share(share: float) -> str:
    """``0.95`` -> '95%', ``0.995`` -> '99.5%': as set, never rounded to another share."""
    return f"{share * 100:g}%"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --------------------------------------------------------- a GX validation result


def _validation(
    src: Source, expect: DataExpectations | None, suite: Suite | None
) -> ExtractMeasures:
    """What a Great Expectations validation result reports: each expectation GX ran.

    The record's own expectations and its suite's must each be shown by a result that
    checks at least as much; any that is not is listed as not checked.
    """
    doc = _read_document(src)
    name = src.path.name
    results = doc.get("results")
    if not isinstance(results, list) or not results:
        raise engine.Unreadable(
            "this Great Expectations validation result holds no evaluated expectations, so "
            "it shows no check ran; cite a validation result of a suite that ran"
        )
    meta: dict[str, Any] = doc["meta"] if isinstance(doc.get("meta"), dict) else {}
    checks: list[Check] = []
    ran_as: list[Expectation] = []
    configs: list[tuple[str, dict[str, Any]]] = []
    rows = 0
    columns: dict[str, None] = {}
    for n, r in enumerate(results):
        where = f"results[{n}]"
        if not isinstance(r, dict) or not isinstance(r.get("expectation_config"), dict):
            raise engine.Unreadable(f"{where}: not a GX result (no expectation_config)")
        config = r["expectation_config"]
        kind = config.get("type", config.get("expectation_type"))
        kwargs = config.get("kwargs", {})
        if not isinstance(kind, str) or not isinstance(kwargs, dict):
            raise engine.Unreadable(f"{where}.expectation_config: no expectation type or kwargs")
        success = r.get("success")
        if not isinstance(success, bool):
            raise engine.Unreadable(f"{where}.success: must be true or false, not {success!r}")
        result: dict[str, Any] = r["result"] if isinstance(r.get("result"), dict) else {}
        try:
            e = suites.gx_expectation(kind, kwargs, name, f"{where}.expectation_config.kwargs")
        except engine.Unreadable:
            e = Expectation("unchecked", suites._columns_of(kwargs), tool_name=kind)
        ran_as.append(e)
        configs.append((kind, _plain_kwargs(kwargs)))
        columns.update(dict.fromkeys(e.columns))
        count = result.get("element_count")
        if _whole(count):
            rows = max(rows, count)
        if kind.startswith("expect_table_row_count") and _whole(result.get("observed_value")):
            rows = max(rows, result["observed_value"])
        checks.append(_reported(e, kind, kwargs, success, result, r.get("exception_info")))
    overall = doc.get("success")
    if overall is False and all(c.passed for c in checks):
        checks.append(Check("validation", "(suite)", False, "GX reports the validation as failed"))
    unchecked = [_not_shown(e) for e in expectations_of(expect, suite)
                 if not _shown(e, ran_as, configs)]  # fmt: skip
    newest, fresh = None, None
    if expect is not None and expect.freshness is not None:
        column = expect.freshness.column
        newest = _observed_max(results, column)
        if newest is None:
            unchecked.append(
                Check("freshness", column, False, "not checked by the workbook: the validation "
                      "result does not show the column's newest value (GX shows it for "
                      "expect_column_max_to_be_between)")
            )  # fmt: skip
        else:
            fresh = (column, expect.freshness.max_age_days)
    version = meta.get("great_expectations_version")
    suite_name = doc.get("suite_name") or meta.get("expectation_suite_name")
    said = "Great Expectations" + (f" {version}" if isinstance(version, str) else "")
    if isinstance(suite_name, str) and suite_name:
        said += f", suite {suite_name}"
    return ExtractMeasures(
        rows, tuple(columns), tuple(checks), newest, fresh, tuple(unchecked),
        reported_by=said, ran=_run_date(meta),
        suite_sha256=suite.sha256 if suite else None, tolerated=_tolerated(ran_as),
    )  # fmt: skip


def _not_shown(e: Expectation) -> Check:
    """A declared expectation the validation result does not show GX checking (as strictly)."""
    where = f" (from {e.origin})" if e.origin else ""
    return Check(
        e.label, e.column, False,
        f"not checked{where}: the validation result shows no GX check of it at least as "
        "strict; cite the extract itself (CSV or Parquet) or add it to the suite GX runs",
    )  # fmt: skip


def _read_document(src: Source) -> dict[str, Any]:
    size = os.fstat(src.fd).st_size
    if size > MAX_VALIDATION_BYTES:
        raise engine.Unreadable(
            f"this Great Expectations validation result is {size:,} bytes, over "
            f"{MAX_VALIDATION_BYTES:,}; run it with result_format SUMMARY (no row lists)"
        )
    doc = formats.parse_json(os.pread(src.fd, size + 1, 0))
    if not isinstance(doc, dict):
        raise engine.Unreadable("not a Great Expectations validation result (not an object)")
    return doc


def _whole(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _plain_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The kwargs that decide what an expectation checks (GX adds ``batch_id`` when run)."""
    return {k: v for k, v in kwargs.items() if k not in suites._GX_IGNORED}


def _reported(
    e: Expectation,
    kind: str,
    kwargs: dict[str, Any],
    success: bool,
    result: dict[str, Any],
    exception: Any,
) -> Check:
    """One GX result as a check, in the workbook's words; its own counts must agree."""
    label = e.label if e.kind != "unchecked" else kind
    column = e.column if e.kind != "row_count" else "(table)"
    if isinstance(exception, dict) and exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "no message").splitlines()[0]
        detail = f"GX could not evaluate it: {pii.redact(message[:120], min_digits=9)}"
        return Check(label, column, False, detail)
    unexpected, total = result.get("unexpected_count"), result.get("element_count")
    if _whole(unexpected) and _whole(total) and e.kind in suites._MAP_KINDS:
        missing = result.get("missing_count")
        considered = total if e.kind == "not_null" else None
        if considered is None and _whole(missing):
            considered = total - missing
        examples = sorted({str(v) for v in result.get("partial_unexpected_list") or []
                           if not isinstance(v, (dict, list))})[:3]  # fmt: skip
        repeats = None
        listed = result.get("unexpected_list")
        if e.kind not in ("unique", "unique_key") or not isinstance(listed, list):
            listed = None
        if listed is not None and len(listed) == unexpected:
            repeats = len(listed) - len({json.dumps(v, sort_keys=True) for v in listed})
        if considered is not None:
            check = _map_result(e, unexpected, total, considered, examples, repeats=repeats)
            if check.passed != success:
                return Check(label, column, False, f"{check.detail}; GX says it "
                             f"{'held' if success else 'failed'}, but its own counts say "
                             "otherwise")  # fmt: skip
            return Check(label, column, success, check.detail, check.rows)
        detail = _said(e, unexpected, total, examples, 0, repeats)
        return Check(label, column, success, detail, unexpected if not success else 0)
    observed = result.get("observed_value")
    if e.kind == "required":
        return Check(label, column, success, "present" if success else "column is missing")
    if observed is not None:
        shown = pii.redact(str(observed)[:80], min_digits=9)
        want = f"; expected {e.type_shown}" if e.kind == "type" and not success else ""
        return Check(label, column, success, f"GX observed {shown}{want}")
    return Check(
        label, column, success, "GX reports it held" if success else "GX reports it failed"
    )


def _shown(
    want: Expectation, ran: list[Expectation], configs: list[tuple[str, dict[str, Any]]]
) -> bool:
    """Does some result check at least what ``want`` asks?"""
    if want.kind == "unchecked":
        # Not one the workbook reads: only the very same expectation, run by GX, shows it.
        return bool(want.config) and any(
            kind == want.tool_name and e.config == want.config
            for (kind, _), e in zip(configs, ran, strict=True)
        )
    return any(covers(found, want) for found in ran)


def covers(found: Expectation, want: Expectation) -> bool:
    """Does ``found`` (an expectation GX ran) check at least what ``want`` asks?"""
    if want.kind == "missing_share":
        return (
            found.kind == "not_null"
            and found.columns == want.columns
            and 1 - found.mostly <= want.max_share + 1e-12
        )
    if found.kind != want.kind:
        return False
    same = (
        set(found.columns) == set(want.columns)
        if want.kind == "unique_key"
        else found.columns == want.columns
    )
    if not same or found.mostly < want.mostly - 1e-12:
        return False
    if want.kind in ("unique", "unique_key"):
        return not found.skip_missing or want.skip_missing
    if want.kind == "allowed":
        return {suites._text(v) for v in found.values} <= {suites._text(v) for v in want.values}
    if want.kind in ("range", "row_count"):
        return found.compare == want.compare and _inside(found, want)
    if want.kind == "type":
        return set(found.types) <= set(want.types) and (found.whole or not want.whole)
    return True  # required, not_null


def _inside(found: Expectation, want: Expectation) -> bool:
    """``found``'s bounds lie within ``want``'s (a missing bound is no bound)."""
    if want.low is not None:
        if found.low is None or found.low < want.low:
            return False
        if found.low == want.low and want.low_strict and not found.low_strict:
            return False
    if want.high is not None:
        if found.high is None or found.high > want.high:
            return False
        if found.high == want.high and want.high_strict and not found.high_strict:
            return False
    return True


def _observed_max(results: list[Any], column: str) -> dt.date | None:
    """The newest value of ``column`` as GX observed it (``expect_column_max_to_be_between``)."""
    for r in results:
        config = r["expectation_config"]
        kind = config.get("type", config.get("expectation_type"))
        if (
            kind != "expect_column_max_to_be_between"
            or config.get("kwargs", {}).get("column") != column
        ):
            continue
        observed = (r.get("result") or {}).get("observed_value")
        if isinstance(observed, str):
            return _date(observed)
    return None


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:  # GX 0.x writes 20261204T150351.799440Z
        return dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _run_date(meta: dict[str, Any]) -> dt.date | None:
    run_id = meta.get("run_id")
    for value in (
        meta.get("validation_time"),
        run_id.get("run_time") if isinstance(run_id, dict) else None,
    ):
        if isinstance(value, str) and (day := _date(value)) is not None:
            return day
    return None
