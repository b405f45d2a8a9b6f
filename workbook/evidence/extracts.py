"""Data extracts: do the declared expectations hold on a real sample of the data?

Each expectation that fails is a measured data gap, set beside the gaps the
team declared in its register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from workbook.evidence import engine, pii
from workbook.evidence.engine import Source
from workbook.model.records import DataExpectations

SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}


@dataclass(frozen=True)
class Check:
    """One expectation on one column (or key), and what the extract showed."""

    expectation: str
    column: str
    passed: bool
    detail: str
    #: Rows that break it (0 when it holds or does not count rows).
    rows: int = 0


@dataclass(frozen=True)
class ExtractMeasures:
    rows: int
    columns: tuple[str, ...]
    checks: tuple[Check, ...]
    #: Newest date in the freshness column, if one is declared and readable.
    newest: dt.date | None = None
    freshness: tuple[str, int] | None = None

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


def _examples(values: list[str]) -> str:
    """The (at most three) failing values the query picked, as shown in a check's detail."""
    # Values end up in shared dossiers: personal data in them is shown redacted.
    # Dates (8 digits) stay readable; longer runs may be account or phone numbers.
    shown = [repr(pii.redact(v[:40], min_digits=9)) for v in values]
    return f" (e.g. {', '.join(shown)})"


def inspect_extract(
    path: Path | Source,
    expect: DataExpectations | None = None,
    declared: str = "auto",
    records: str | None = None,
) -> ExtractMeasures:
    """Measure an extract (CSV or Parquet) against its declared expectations."""
    with engine.held(path) as src:
        return _measure(src, expect)


def _measure(src: Source, expect: DataExpectations | None) -> ExtractMeasures:
    expect = expect or DataExpectations()
    fmt = engine.file_format(src)
    if fmt not in ("csv", "parquet"):
        raise engine.Unreadable("data extracts are read from CSV or Parquet")
    con = engine.connect()
    source = engine.table(src, fmt)
    have = engine.columns(con, source, src)
    (rows,) = engine.first_row(con, f"SELECT count(*) FROM {source}", src)
    if not rows:
        raise engine.Unreadable("the extract has a header but no rows")
    checks: list[Check] = []

    def absent(column: str, expectation: str) -> bool:
        if column in have:
            return False
        checks.append(Check(expectation, column, False, "column is missing"))
        return True

    for column in expect.required_columns:
        if not absent(column, "required"):
            checks.append(Check("required", column, True, "present"))
    for column, kind in expect.types.items():
        if absent(column, f"type {kind}"):
            continue
        col = engine.ident(column)
        bad = f"NOT {_missing(col)} AND NOT {_is_type(f'CAST({col} AS VARCHAR)', kind)}"
        n, examples = engine.first_row(
            con,
            f"SELECT count_if({bad}), list(DISTINCT CAST({col} AS VARCHAR) ORDER BY "
            f"CAST({col} AS VARCHAR)) FILTER (WHERE {bad})[1:3] FROM {source}",
            src,
        )
        detail = f"{n} of {rows} values are not {kind}{_examples(examples)}" if n else f"all {kind}"
        checks.append(Check(f"type {kind}", column, not n, detail, n))
    for column, allowed in expect.allowed_values.items():
        if absent(column, "allowed values"):
            continue
        col = engine.ident(column)
        listed = ", ".join(engine.literal(v) for v in allowed)
        bad = f"NOT {_missing(col)} AND CAST({col} AS VARCHAR) NOT IN ({listed})"
        n, examples = engine.first_row(
            con,
            f"SELECT count_if({bad}), list(DISTINCT CAST({col} AS VARCHAR) ORDER BY "
            f"CAST({col} AS VARCHAR)) FILTER (WHERE {bad})[1:3] FROM {source}",
            src,
        )
        detail = (
            f"{n} of {rows} values outside {', '.join(allowed)}{_examples(examples)}"
            if n
            else "all values allowed"
        )
        checks.append(Check("allowed values", column, not n, detail, n))
    if expect.unique_key:
        key = ", ".join(expect.unique_key)
        if not any([absent(c, "unique key") for c in expect.unique_key]):
            cols = ", ".join(engine.ident(c) for c in expect.unique_key)
            (n,) = engine.first_row(
                con,
                f"SELECT coalesce(sum(k - 1), 0) FROM (SELECT count(*) AS k FROM {source} "
                f"GROUP BY {cols} HAVING count(*) > 1)",
                src,
            )
            rows_word = "1 row repeats" if n == 1 else f"{n:,} rows repeat"
            detail = f"{rows_word} a key already seen" if n else "every key is unique"
            checks.append(Check("unique key", key, not n, detail, int(n)))
    for column, limit in expect.max_missing_share.items():
        if absent(column, "missing share"):
            continue
        (n,) = engine.first_row(
            con, f"SELECT count_if({_missing(engine.ident(column))}) FROM {source}", src
        )
        share = n / rows
        ok = share <= limit
        detail = f"{share:.1%} empty ({n} of {rows}); at most {limit:.1%} allowed"
        checks.append(Check("missing share", column, ok, detail, n if not ok else 0))
    newest = None
    fresh = None
    if expect.freshness is not None:
        column = expect.freshness.column
        fresh = (column, expect.freshness.max_age_days)
        if column not in have:
            checks.append(Check("freshness", column, False, "column is missing"))
            fresh = None
        else:
            text = f"CAST({engine.ident(column)} AS VARCHAR)"
            (newest,) = engine.first_row(
                con,
                f"SELECT max(coalesce(TRY_CAST({text} AS DATE), "
                f"CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))) FROM {source}",
                src,
            )
    con.close()
    return ExtractMeasures(rows, tuple(have), tuple(checks), newest, fresh)
