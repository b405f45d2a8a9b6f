"""Evaluation results: pass rates with Wilson intervals, overall and per slice.

A threshold is compared with the interval's lower bound: 19 of 20 passing
is a promising start, not proof of a 95% system.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.evidence import engine
from workbook.evidence.engine import Source
from workbook.model.records import EvalColumns

if TYPE_CHECKING:  # imported on first use, by engine.connect
    import duckdb

Z95 = 1.959963984540054
PASS_WORDS = ("1", "true", "t", "yes", "y", "pass", "passed", "ok")
FAIL_WORDS = ("0", "false", "f", "no", "n", "fail", "failed")
#: Columns that say where a case came from, the first present decides.
PROVENANCE = ("source", "origin", "provenance", "dataset", "data_source", "generator")
#: Columns that flag a case as synthetic, and the values that mean yes.
SYNTHETIC_FLAGS = ("synthetic", "is_synthetic")
TRUE_WORDS = ("1", "true", "t", "yes", "y")
NO_ORIGIN = "(none)"
#: Columns that hold a case's pass/fail result by their name. When a record maps its
#: result to another column, each of these the file has is measured too: the one that
#: passes the fewest cases decides (a column of 1s mapped as "passed" hides no failure).
RESULT_COLUMNS = ("passed", "pass", "result", "correct", "success", "is_correct")


def wilson(passed: int, cases: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default)."""
    if cases == 0:
        return 0.0, 1.0
    p = passed / cases
    centre = p + z * z / (2 * cases)
    spread = z * math.sqrt(p * (1 - p) / cases + z * z / (4 * cases * cases))
    denominator = 1 + z * z / cases
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


@dataclass(frozen=True)
class PassRate:
    slice: str | None
    cases: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.cases if self.cases else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.passed, self.cases)

    @property
    def lower(self) -> float:
        return self.interval[0]


def as_dict(r: PassRate) -> dict[str, object]:
    low, high = r.interval
    return {"slice": r.slice, "cases": r.cases, "passed": r.passed, "rate": r.rate,
            "lower": low, "upper": high}  # fmt: skip


@dataclass(frozen=True)
class EvalMeasures:
    overall: PassRate
    slices: tuple[PassRate, ...]
    #: How a pass was decided, in words.
    rule: str
    #: (cases, passed) per value of the file's first provenance column (``PROVENANCE``), if
    #: it has one ("(none)" for an empty cell); the assessment matches them with the
    #: catalogue's synthetic markers.
    origins: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Cases a boolean ``synthetic`` / ``is_synthetic`` column marks as synthetic.
    flagged_synthetic: int = 0
    #: When a result column (``RESULT_COLUMNS``) passes fewer cases than the column the
    #: record maps, and so decides: which column decided and what the mapped one shows.
    overruled: str = ""


def _column(columns: list[str], named: str, what: str) -> str:
    """The column the record names for ``what``; it must be there."""
    if named not in columns:
        raise engine.Unreadable(
            f"no column '{named}' for the {what}; the file has {', '.join(columns)}"
        )
    return named


def _pick(columns: list[str], named: str | None, default: str, what: str) -> str | None:
    """The named column, else the default one if the file has it."""
    if named is not None:
        return _column(columns, named, what)
    return default if default in columns else None


def inspect_evaluation(
    path: Path | Source,
    columns: EvalColumns | None = None,
    declared: str = "auto",
    records: str | None = None,
) -> EvalMeasures:
    """Pass rates of an evaluation file (CSV or JSON lines, one row per case)."""
    with engine.held(path) as src:
        return _measure(src, columns)


def _measure(src: Source, columns: EvalColumns | None) -> EvalMeasures:
    spec = columns or EvalColumns()
    fmt = engine.file_format(src)
    if fmt == "parquet":
        raise engine.Unreadable("evaluation results are read from CSV or JSON lines")
    con = engine.connect()
    source = engine.table(src, fmt)
    have = engine.columns(con, source, src)
    case = _column(have, spec.case, "case id")
    slice_col = _pick(have, spec.slice, "slice", "slice")
    if spec.score is not None:
        score = _column(have, spec.score, "score")
        value = f"TRY_CAST(CAST({engine.ident(score)} AS VARCHAR) AS DOUBLE)"
        verdict = f"{value} >= {float(spec.pass_mark or 0)!r}"
        valid = f"isfinite({value})"  # NaN would sort above every pass mark
        rule = f"score '{score}' at or above {spec.pass_mark:g}"
    else:
        passed = _pick(have, spec.passed, "passed", "pass/fail result")
        if passed is None:
            raise engine.Unreadable(
                "no 'passed' column; name the pass/fail column, or a score and pass mark"
            )
        text = f"lower(trim(CAST({engine.ident(passed)} AS VARCHAR)))"
        words = ", ".join(engine.literal(w) for w in PASS_WORDS)
        fails = ", ".join(engine.literal(w) for w in FAIL_WORDS)
        verdict = f"{text} IN ({words})"
        valid = f"{text} IN ({words}, {fails})"
        rule = f"'{passed}' column"
    group = "NULL"  # pragma: no mutate -- SQL reads NULL in any case; without slices, one group
    if slice_col:
        group = f"CAST({engine.ident(slice_col)} AS VARCHAR)"
    case_sql = engine.ident(case)
    case_text = f"trim(CAST({case_sql} AS VARCHAR))"
    invalid, example, unnamed, repeated = engine.first_row(
        con,
        f"SELECT count(*) FILTER (WHERE NOT coalesce({valid}, false)), "
        f"min(CAST({case_sql} AS VARCHAR)) FILTER (WHERE NOT coalesce({valid}, false)), "
        f"count(*) FILTER (WHERE coalesce({case_text}, '') = ''), "
        # "C-1" and "C-1 " are the same case written twice.
        f"count({case_text}) - count(DISTINCT {case_text}) FROM {source}",
        src,
    )
    if unnamed:
        raise engine.Unreadable(f"{unnamed} case(s) have no case id in column '{case}'")
    if invalid:
        raise engine.Unreadable(
            f"{invalid} case(s) have no readable result (first: case {example}); "
            + (
                "expected a number"
                if spec.score
                else "expected pass or fail, 1 or 0, true or false"
            )
        )
    if repeated:
        raise engine.Unreadable(f"{repeated} case id(s) repeat; one row per case is expected")
    overruled = ""
    if spec.passed is not None or spec.score is not None:
        named = spec.score if spec.score is not None else spec.passed
        found = _fewest_passing(con, source, src, have, verdict, named)
        if found is not None:
            verdict, rule, overruled = found
    rows = engine.query(
        con,
        f"SELECT {group} AS s, count(*), count_if({verdict}) FROM {source} GROUP BY s ORDER BY s",
        src,
    )
    if not rows:
        con.close()
        raise engine.Unreadable("no cases in the file")
    origins: dict[str, tuple[int, int]] = {}
    origin_col = next((c for c in PROVENANCE if c in have), None)
    if origin_col is not None:
        value = f"coalesce(nullif(trim(CAST({engine.ident(origin_col)} AS VARCHAR)), ''), "
        value += f"{engine.literal(NO_ORIGIN)})"
        by_origin = f"SELECT {value} AS o, count(*), count_if({verdict}) FROM {source} GROUP BY o"
        origins = {o: (n, k) for o, n, k in engine.query(con, f"{by_origin} ORDER BY o", src)}
    flagged = 0
    flag_col = next((c for c in SYNTHETIC_FLAGS if c in have), None)
    if flag_col is not None:
        yes = ", ".join(engine.literal(w) for w in TRUE_WORDS)
        text = f"lower(trim(CAST({engine.ident(flag_col)} AS VARCHAR)))"
        (flagged,) = engine.first_row(con, f"SELECT count_if({text} IN ({yes})) FROM {source}", src)
    con.close()
    slices = tuple(PassRate(s, n, k) for s, n, k in rows if slice_col)
    overall = PassRate(None, sum(r[1] for r in rows), sum(r[2] for r in rows))
    return EvalMeasures(overall, slices, rule, origins, int(flagged), overruled)


def _fewest_passing(
    con: duckdb.DuckDBPyConnection,
    source: str,
    src: Source,
    have: list[str],
    verdict: str,
    named: str | None,
) -> tuple[str, str, str] | None:
    """A result column passing fewer cases than the mapped ``named`` one: (its verdict in
    SQL, the rule in words, what was overruled); None when the mapped column decides.

    A column counts when at least half its cases read as pass or fail (a column of
    labels named ``result`` is no result); a case it leaves unreadable does not pass.
    """
    words = ", ".join(engine.literal(w) for w in PASS_WORDS)
    fails = ", ".join(engine.literal(w) for w in FAIL_WORDS)
    others = [c for c in RESULT_COLUMNS if c in have and c != named]
    if not others:
        return None
    counts = [f"count(*), count_if({verdict})"]
    for column in others:
        text = f"lower(trim(CAST({engine.ident(column)} AS VARCHAR)))"
        counts.append(f"count_if({text} IN ({words}, {fails})), count_if({text} IN ({words}))")
    total, mapped, *found = engine.first_row(con, f"SELECT {', '.join(counts)} FROM {source}", src)
    best: tuple[int, str] | None = None
    for column, readable, passed in zip(others, found[::2], found[1::2], strict=True):
        if 2 * readable >= total and passed < mapped and (best is None or passed < best[0]):
            best = (passed, column)
    if best is None:
        return None
    passed, column = best
    text = f"lower(trim(CAST({engine.ident(column)} AS VARCHAR)))"
    note = f"from column '{column}'; the mapped '{named}' shows {mapped:,} of {total:,} passing"
    return f"{text} IN ({words})", f"'{column}' column, not the mapped '{named}'", note
