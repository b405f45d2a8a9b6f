"""Evaluation results: pass rates with Wilson intervals, overall and per slice.

A threshold is compared with the interval's lower bound: 19 of 20 passing
is a promising start, not proof of a 95% system. The file is read as the tool wrote
it (``harnesses``: plain tables, promptfoo, inspect_ai, lm-evaluation-harness,
MLflow); a case the tool recorded as errored counts as a case that did not pass, and
is counted apart from the fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.evidence import engine, formats, harnesses
from workbook.evidence.engine import Source
from workbook.evidence.harnesses import Cases, Result
from workbook.model.records import EvalColumns

if TYPE_CHECKING:  # imported on first use, by engine.connect
    import duckdb

Z95 = 1.959963984540054
NO_ORIGIN = "(none)"
TRUE_WORDS = ("1", "true", "t", "yes", "y")


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
    #: Cases that errored (no verdict): among ``cases``, not among ``passed``.
    errors: int = 0

    @property
    def failed(self) -> int:
        """Cases with a failing verdict (errored ones apart)."""
        return self.cases - self.passed - self.errors

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
    return {"slice": r.slice, "cases": r.cases, "passed": r.passed, "errors": r.errors,
            "rate": r.rate, "lower": low, "upper": high}  # fmt: skip


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
    #: Cases the tool recorded as errored (a provider or run failure, no verdict): they
    #: count among the cases and never as passing.
    errors: int = 0


def inspect_evaluation(
    path: Path | Source,
    columns: EvalColumns | None = None,
    declared: str = "auto",
    records: str | None = None,
) -> EvalMeasures:
    """Pass rates of an evaluation file: a table of cases (CSV, Parquet, JSON lines, a
    JSON document's records) or a tool's own results file."""
    spec = columns or EvalColumns()
    with engine.held(path) as src:
        layout = _layout(src, declared, records)
        con = engine.connect()
        try:
            return _measure(con, src, harnesses.cases(con, src, layout, spec))
        finally:
            con.close()


def _layout(src: Source, declared: str, records: str | None) -> formats.Layout:
    # inspect_ai's samples_df export is a CSV table: its content says it is CSV, and its
    # header (``harnesses``) that inspect_ai wrote it.
    if declared == "inspect" and src.path.name.lower().endswith(".csv"):
        declared = "csv"
    return formats.detect(src, declared, records)


def _measure(con: duckdb.DuckDBPyConnection, src: Source, cases: Cases) -> EvalMeasures:
    source = cases.source
    chosen, rule, overruled, choice = _decide(con, src, cases)
    errored = f"coalesce({cases.errored} OR {chosen.errored}, false)"
    verdict = f"(NOT {errored} AND coalesce({chosen.passes}, false))"
    # Every case must read in the file's own (or mapped) result; a column overruling it
    # counts where it reads, and a case it leaves unreadable does not pass.
    read = cases.results[0] if cases.choose == "overrule" else chosen
    valid = f"({errored} OR coalesce({read.readable}, false))"
    case_text = cases.case
    invalid, example, unnamed, repeated = engine.first_row(
        con,
        f"SELECT count(*) FILTER (WHERE NOT {valid}), "
        f"min({case_text}) FILTER (WHERE NOT {valid}), "
        f"count(*) FILTER (WHERE coalesce({case_text}, '') = ''), "
        # "C-1" and "C-1 " are the same case written twice.
        f"count({case_text}) - count(DISTINCT {case_text}) FROM {source}",
        src,
    )
    if unnamed:
        raise engine.Unreadable(f"{unnamed} case(s) have no case id in {cases.case_where}")
    if invalid:
        raise engine.Unreadable(
            f"{invalid} case(s) have no readable result (first: case {example}); {read.expect}"
        )
    if repeated:
        raise engine.Unreadable(f"{repeated} case id(s) repeat; one row per case is expected")
    scope, slice_sql, group_rule, group_note = source, cases.slice, "", ""
    if cases.group is not None:
        scope, slice_sql, group_rule, group_note = _group(con, src, cases, verdict)
    counts = f"count(*), count_if({verdict}), count_if({errored})"
    # Slices: the lm-eval filters over all their cases, else the slice within the scope.
    by, over = (cases.group, source) if cases.group_slices else (slice_sql, scope)
    group = "NULL"  # pragma: no mutate -- SQL reads NULL in any case; without slices, one group
    if by:
        group = f"CAST({by} AS VARCHAR)"
    rows = engine.query(
        con, f"SELECT {group} AS s, {counts} FROM {over} GROUP BY s ORDER BY s", src
    )
    slices = tuple(PassRate(s, n, k, e) for s, n, k, e in rows) if by else ()
    overall = PassRate(None, *engine.first_row(con, f"SELECT {counts} FROM {scope}", src))
    if overall.cases == 0:
        raise engine.Unreadable("no cases in the file")
    origins: dict[str, tuple[int, int]] = {}
    if cases.origin is not None:
        value = f"coalesce(nullif(trim({cases.origin}), ''), {engine.literal(NO_ORIGIN)})"
        by_origin = f"SELECT {value} AS o, count(*), count_if({verdict}) FROM {scope} GROUP BY o"
        origins = {o: (n, k) for o, n, k in engine.query(con, f"{by_origin} ORDER BY o", src)}
    flagged = 0
    if cases.flag is not None:
        yes = ", ".join(engine.literal(w) for w in TRUE_WORDS)
        text = f"lower(trim({cases.flag}))"
        (flagged,) = engine.first_row(con, f"SELECT count_if({text} IN ({yes})) FROM {scope}", src)
    choice = "; ".join(c for c in (choice, group_note) if c)
    rule += group_rule + _rule_notes(cases, chosen, choice, overall.errors)
    return EvalMeasures(overall, slices, rule, origins, int(flagged), overruled, overall.errors)


def _rule_notes(cases: Cases, chosen: Result, choice: str, errors: int) -> str:
    """How the result was chosen and reads, what a case is, how many errored, and
    anything else the rule must say: one parenthesis."""
    notes = [n for n in (choice, chosen.detail, cases.unit) if n]
    if errors:
        notes.append(f"{errors:,} errored, counted as not passing: {cases.error_words}")
    if cases.note:
        notes.append(cases.note)
    return f" ({'; '.join(notes)})" if notes else ""


def _decide(
    con: duckdb.DuckDBPyConnection, src: Source, cases: Cases
) -> tuple[Result, str, str, str]:
    """The result that decides a pass: (it, the rule in words, what it overruled, how it
    was chosen among several)."""
    first = cases.results[0]
    if len(cases.results) == 1 or cases.choose == "first":
        return first, first.label, "", ""
    errored = f"coalesce({cases.errored}, false)"
    counts = [f"count_if(NOT {errored})"]
    for r in cases.results:
        counts.append(
            f"count_if(NOT {errored} AND NOT coalesce({r.errored}, false) "
            f"AND coalesce({r.readable}, false)), "
            f"count_if(NOT {errored} AND NOT coalesce({r.errored}, false) "
            f"AND coalesce({r.passes}, false))"
        )
    total, *found = engine.first_row(con, f"SELECT {', '.join(counts)} FROM {cases.source}", src)
    readable, passed = found[::2], found[1::2]
    if cases.choose == "overrule":
        return (*_overrule(cases.results, total, readable, passed), "")
    # The one passing fewest decides, of those that read as a result for at least half
    # the cases (a column of labels is no result).
    eligible = [i for i, n in enumerate(readable) if 2 * n >= total] or [0]
    best = min(eligible, key=lambda i: passed[i])
    chosen = cases.results[best]
    others = ", ".join(
        f"{cases.results[i].label} passes {passed[i]:,}"
        for i in range(len(cases.results))
        if i != best
    )
    choice = f"of {len(cases.results)} {cases.kind}, the one passing fewest: {others}"
    return chosen, chosen.label, "", choice


def _overrule(
    results: tuple[Result, ...], total: int, readable: list[int], passed: list[int]
) -> tuple[Result, str, str]:
    """A result column passing fewer cases than the mapped one decides in its place.

    A column counts when at least half its cases read as pass or fail (a column of
    labels named ``result`` is no result); a case it leaves unreadable does not pass.
    """
    named, mapped = results[0], passed[0]
    best: int | None = None
    for i in range(1, len(results)):
        if (
            2 * readable[i] >= total
            and passed[i] < mapped
            and (best is None or passed[i] < passed[best])
        ):
            best = i
    if best is None:
        return named, named.label, ""
    column, mapped_name = _quoted_name(results[best].label), _quoted_name(named.label)
    note = (
        f"from column '{column}'; the mapped '{mapped_name}' shows {mapped:,} of {total:,} passing"
    )
    return results[best], f"'{column}' column, not the mapped '{mapped_name}'", note


def _quoted_name(label: str) -> str:
    """The name a label quotes: "'ok' column" -> "ok"."""
    return label.split("'")[1]


def _group(
    con: duckdb.DuckDBPyConnection, src: Source, cases: Cases, verdict: str
) -> tuple[str, str | None, str, str]:
    """lm-evaluation-harness filters: the one named, else the one passing fewest, decides.

    Returns the source of its cases, the slice within it, the rule's words and how the
    filter was chosen.
    """
    assert cases.group is not None
    groups = engine.query(
        con,
        f"SELECT {cases.group} AS g, count(*), count_if({verdict}) FROM {cases.source} "
        "GROUP BY g ORDER BY g",
        src,
    )
    names = [g for g, _, _ in groups]
    if cases.group_named is not None:
        if cases.group_named not in names:
            raise engine.Unreadable(
                f"no filter '{cases.group_named}' in the samples; their filters: "
                + ", ".join(names)
            )
        chosen, note = cases.group_named, ""
    elif len(groups) > 1:
        # Lowest pass rate first; of equal rates, fewest passing, then by name.
        chosen = min(groups, key=lambda g: (g[2] / g[1], g[2], g[0]))[0]
        shown = ", ".join(f"'{g}' passes {k:,} of {n:,}" for g, n, k in groups)
        note = f"of {len(groups)} filters, the one passing fewest: {shown}"
    else:
        return cases.source, cases.slice, "", ""
    scope = f"(SELECT * FROM {cases.source} WHERE {cases.group} = {engine.literal(chosen)})"
    slice_sql = None if cases.group_slices else cases.slice
    return scope, slice_sql, f" of filter '{chosen}'", note
