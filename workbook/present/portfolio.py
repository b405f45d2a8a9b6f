"""The portfolio dossier: every initiative of one batch run, side by side.

A batch run writes ``DIR/summary.json`` (the assessments plus what the run did
and what changed since the previous run). ``load_summary`` reads it,
``open_portfolio`` is what the portfolio notebook calls, and each view or
chart below presents the summary it is given; nothing here re-assesses.
Names and every other value come from a file and are escaped on the way out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.errors import SummaryError, UsageError
from workbook.model.assess import stage_label
from workbook.model.catalogue import load_catalogue
from workbook.model.criteria import GATES
from workbook.model.records import AREAS, STAGES
from workbook.paths import EXAMPLES
from workbook.pipeline import check_paths
from workbook.present.charts import STRONG, WEAK, Chart, _layout, plot_text
from workbook.present.notebook import display_path, parse_as_of
from workbook.present.views import LOUD, STATUS_STYLE, View, _facts, _loud, _table, badge, esc

#: The file a batch run writes into its output folder.
SUMMARY_NAME = "summary.json"
#: A summary is data a program wrote; anything this large is not one.
MAX_SUMMARY_BYTES = 32 * 1024 * 1024
#: The example portfolio is dated around this day (as in ``make demo``).
EXAMPLE_AS_OF = dt.date(2026, 11, 23)
#: Outcomes of a batch run for one initiative; the last two mean "no usable dossier".
OUTCOMES = ("rendered", "skipped", "failed", "invalid")
#: A dossier link is a plain file name beside summary.json, nothing else.
DOSSIER_NAME = re.compile(r"[A-Za-z0-9._-]+\.html")
#: Gate cells of the heatmap (Okabe-Ito, as the status badges).
PASSES, NOT_YET = STATUS_STYLE["met"][1], STATUS_STYLE["missing"][1]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(value: object) -> str:
    """Text fit for one line of a terminal or a table: control characters are spelled out."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


# --- reading the summary ---------------------------------------------------------


def _fail(problem: str, where: str, expected: str | None = None, *, source: str) -> SummaryError:
    return SummaryError(problem, path=source, field=where or None, expected=expected)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _text(
    obj: dict[str, Any], key: str, where: str, source: str, *, required: bool = False
) -> str | None:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(f"got {_kind(value)}", f"{where}{key}", "a non-empty string", source=source)
    return value


def _list(obj: dict[str, Any], key: str, where: str, source: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(f"got {_kind(value)}", f"{where}{key}", "a JSON array", source=source)
    return value


def _objects(obj: dict[str, Any], key: str, where: str, source: str) -> list[dict[str, Any]]:
    items = _list(obj, key, where, source)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _fail(f"got {_kind(item)}", f"{where}{key}[{i}]", "a JSON object", source=source)
    return items


def _date(value: object, where: str, source: str) -> dt.date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(f"got {one_line(repr(value))[:60]}", where, "a date YYYY-MM-DD", source=source)


def _run_id(data: dict[str, Any], key: str, source: str) -> int | None:
    value = data.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _fail(f"got {_kind(value)}", key, "an integer or null", source=source)


def _stage(obj: dict[str, Any], key: str, where: str, source: str, *, required: bool) -> Any:
    value = obj.get(key)
    if value is None and not required:
        return None
    if value not in STAGES:
        raise _fail(
            f"got {one_line(repr(value))[:60]}", f"{where}{key}", " | ".join(STAGES), source=source
        )
    return value


def _initiative(item: dict[str, Any], where: str, source: str) -> dict[str, Any]:
    """One entry with every key the views read, checked for the type they need."""
    entry = dict(item)
    entry["id"] = _text(item, "id", where, source, required=True)
    entry["name"] = _text(item, "name", where, source) or entry["id"]
    for key in ("claimed_stage", "supported_stage"):
        entry[key] = _stage(item, key, where, source, required=True)
    entry["target_stage"] = _stage(item, "target_stage", where, source, required=False)
    over = item.get("overclaimed")
    if over is None:
        over = STAGES.index(entry["claimed_stage"]) > STAGES.index(entry["supported_stage"])
    elif not isinstance(over, bool):
        raise _fail(f"got {_kind(over)}", f"{where}overclaimed", "true or false", source=source)
    entry["overclaimed"] = over
    shadow = item.get("shadow_production")
    if shadow is not None and not isinstance(shadow, str):
        raise _fail(
            f"got {_kind(shadow)}", f"{where}shadow_production", "text or null", source=source
        )
    entry["shadow_production"] = shadow
    gates = item.get("gates")
    if not isinstance(gates, dict):
        raise _fail(f"got {_kind(gates)}", f"{where}gates", "an object of gates", source=source)
    for gate in GATES:
        if not isinstance(gates.get(gate), bool):
            raise _fail(
                f"got {_kind(gates.get(gate))}",
                f"{where}gates.{gate}",
                "true or false",
                source=source,
            )
    for key in ("weakest_area", "next_gate", "headline", "path", "error"):
        entry[key] = _text(item, key, where, source)
    entry["blockers"] = _objects(item, "blockers", where, source)
    for i, b in enumerate(entry["blockers"]):
        _text(b, "criterion", f"{where}blockers[{i}].", source, required=True)
        for key in ("gate", "area", "status", "detail", "question"):
            _text(b, key, f"{where}blockers[{i}].", source)
    entry["waivers"] = []
    for i, w in enumerate(_objects(item, "waivers", where, source)):
        _text(w, "criterion", f"{where}waivers[{i}].", source, required=True)
        expires = _date(w.get("expires"), f"{where}waivers[{i}].expires", source)
        entry["waivers"].append({**w, "expires": expires.isoformat()})
    dossier = item.get("dossier")
    entry["dossier"] = dossier if isinstance(dossier, str) else None
    outcome = item.get("outcome", "rendered")
    if outcome not in OUTCOMES:
        raise _fail(
            f"got {one_line(repr(outcome))[:60]}",
            f"{where}outcome",
            " | ".join(OUTCOMES),
            source=source,
        )
    entry["outcome"] = outcome
    changes = item.get("changes") or {}
    if not isinstance(changes, dict):
        raise _fail(f"got {_kind(changes)}", f"{where}changes", "an object or null", source=source)
    entry["changes"] = {
        key: [str(x) for x in _list(changes, key, f"{where}changes.", source)]
        for key in ("new_blockers", "resolved", "regressions")
    }
    entry["changes"]["stage_change"] = _text(changes, "stage_change", f"{where}changes.", source)
    return entry


def parse_summary(data: object, source: str = SUMMARY_NAME) -> Portfolio:
    """Check a summary's shape lightly (what the views read) and wrap it."""
    if not isinstance(data, dict):
        raise _fail(f"got a JSON {_kind(data)}", "", "a JSON object", source=source)
    if not isinstance(data.get("initiatives"), list):
        raise _fail(
            f"got {_kind(data.get('initiatives'))}", "initiatives", "a JSON array", source=source
        )
    initiatives = [
        _initiative(item, f"initiatives[{i}].", source)
        for i, item in enumerate(_objects(data, "initiatives", "", source))
    ]
    seen: set[str] = set()
    for i, entry in enumerate(initiatives):
        if entry["id"] in seen:
            raise _fail(
                f"id {one_line(entry['id'])!r} appears twice", f"initiatives[{i}].id", source=source
            )
        seen.add(entry["id"])
    failed = _objects(data, "failed", "", source)
    for i, item in enumerate(failed):
        _text(item, "path", f"failed[{i}].", source)
        _text(item, "error", f"failed[{i}].", source)
    return Portfolio(
        generated_at=_text(data, "generated_at", "", source) or "",
        as_of=_date(data.get("as_of"), "as_of", source),
        catalogue=_text(data, "catalogue", "", source) or "",
        run_id=_run_id(data, "run_id", source),
        previous_run_id=_run_id(data, "previous_run_id", source),
        initiatives=initiatives,
        failed=failed,
        source=source,
    )


def load_summary(path: str | Path) -> Portfolio:
    """Read ``summary.json`` (or the folder holding it); any problem is one line."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_NAME
    source = one_line(display_path(path))
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise _fail("not a file", "", f"the {SUMMARY_NAME} a batch run wrote", source=source)
        if size > MAX_SUMMARY_BYTES:
            raise _fail(f"{size} bytes", "", "at most 32 MiB", source=source)
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise _fail(
            "no such file", "", f"the {SUMMARY_NAME} a batch run wrote", source=source
        ) from None
    except UnicodeDecodeError:
        raise _fail("not UTF-8 text", "", "a JSON file", source=source) from None
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise _fail(problem, "", source=source) from None
    except RecursionError:
        raise _fail("nested too deeply", "", "a batch summary", source=source) from None
    except OSError as exc:
        raise _fail(f"cannot be read: {exc.strerror}", "", source=source) from None
    except ValueError:  # a NUL byte in the path
        raise _fail("not a usable path", "", source=source) from None
    return parse_summary(data, source)


# --- the example portfolio, in memory --------------------------------------------


def example_summary(
    examples: str | Path | None = None,
    as_of: dt.date | None = None,
    gates: str | Path | None = None,
) -> dict[str, Any]:
    """A summary of the example portfolio assessed in memory (no dossiers, no previous run).

    ``generated_at`` is the as-of day at midnight UTC, so the output never changes.
    """
    folder = Path(examples) if examples else EXAMPLES
    when = as_of or EXAMPLE_AS_OF
    catalogue = load_catalogue(Path(gates) if gates else None)
    root = EXAMPLES.parent.parent

    def shown(p: Path) -> str:
        try:
            return p.resolve().relative_to(root).as_posix()
        except ValueError:
            return (Path(folder.name) / p.relative_to(folder)).as_posix()

    initiatives, failed = [], []
    for checked in check_paths([folder], catalogue, when):
        if checked.assessment is None:
            failed.append({"path": shown(checked.path), "error": str(checked.error)})
            continue
        changes = {"new_blockers": [], "resolved": [], "regressions": [], "stage_change": None}
        initiatives.append(
            {
                **checked.assessment.to_dict(),
                "path": shown(checked.path),
                "dossier": None,
                "outcome": "skipped",
                "error": None,
                "changes": changes,
            }
        )
    return {
        "generated_at": f"{when.isoformat()}T00:00:00Z",
        "as_of": when.isoformat(),
        "catalogue": catalogue.name,
        "run_id": None,
        "previous_run_id": None,
        "initiatives": initiatives,
        "failed": failed,
    }


def open_portfolio(summary_path: object = "", as_of: object = "") -> Portfolio:
    """The portfolio notebook's setup: a batch summary, or ``""`` for the example portfolio.

    ``as_of`` dates the example (default 2026-11-23); a summary was assessed as of
    its own date, so for one it may only repeat that date.
    """
    if summary_path in (None, ""):
        when = parse_as_of(as_of) if as_of not in (None, "") else EXAMPLE_AS_OF
        return parse_summary(
            example_summary(as_of=when), "the example portfolio, assessed in memory"
        )
    if not isinstance(summary_path, str | Path):
        raise UsageError(
            f"got {type(summary_path).__name__}", field="summary_path", expected="a file path"
        )
    portfolio = load_summary(summary_path)
    if as_of not in (None, "") and parse_as_of(as_of) != portfolio.as_of:
        raise UsageError(
            f"the summary was assessed as of {portfolio.as_of}, not {parse_as_of(as_of)}",
            field="as_of",
            expected="'' or the summary's own date",
        )
    return portfolio


# --- the portfolio -------------------------------------------------------------------


@dataclass
class Portfolio:
    """One batch run's summary, checked; its methods are the portfolio notebook's cells."""

    generated_at: str
    as_of: dt.date
    catalogue: str
    run_id: int | None
    previous_run_id: int | None
    initiatives: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    source: str = SUMMARY_NAME

    def overview(self) -> View:
        return overview(self)

    def gate_heatmap(self) -> Chart:
        return gate_heatmap(self)

    def stage_chart(self) -> Chart:
        return stage_chart(self)

    def initiatives_table(self) -> View:
        return initiatives_table(self)

    def blockers_by_area(self) -> Chart:
        return blockers_by_area(self)

    def blockers_by_criterion(self) -> View:
        return blockers_by_criterion(self)

    def expiring_waivers(self, within_days: int = 30) -> View:
        return expiring_waivers(self, within_days)

    def stale_evidence(self) -> View:
        return stale_evidence(self)

    def changes_since_previous(self) -> View:
        return changes_since_previous(self)


# --- numbers and small helpers ------------------------------------------------------


def headline_numbers(p: Portfolio) -> dict[str, int]:
    """The counts the overview shows, for anyone who wants them as data."""
    ins = p.initiatives
    return {
        "initiatives": len(ins),
        "overclaimed": sum(i["overclaimed"] for i in ins),
        "shadow_production": sum(bool(i["shadow_production"]) for i in ins),
        "blockers": sum(len(i["blockers"]) for i in ins),
        "dossiers_failed": sum(i["outcome"] in ("failed", "invalid") for i in ins),
        "not_assessed": len(p.failed),
        **{f"supported_{s}": sum(i["supported_stage"] == s for i in ins) for s in STAGES},
        **{f"claimed_{s}": sum(i["claimed_stage"] == s for i in ins) for s in STAGES},
    }


def dossier_link(value: object) -> str | None:
    """The dossier's file name if it is a plain ``name.html`` beside the summary, else None."""
    if isinstance(value, str) and DOSSIER_NAME.fullmatch(value) and not value.startswith("."):
        return value
    return None


def _name_html(i: dict[str, Any]) -> str:
    href = dossier_link(i["dossier"])
    name = esc(i["name"])
    linked = f'<a href="{esc(href)}">{name}</a>' if href else name
    return f"{linked}<br><code>{esc(i['id'])}</code>"


def _name_html_plain(i: dict[str, Any]) -> str:
    href = dossier_link(i["dossier"])
    return f'<a href="{esc(href)}">{esc(i["name"])}</a>' if href else esc(i["name"])


def _loud_text(text: object) -> str:
    return f'<strong style="color:{LOUD}">⚠ {esc(one_line(text))}</strong>'


def _labels(p: Portfolio) -> list[str]:
    """Plot labels: escaped names, with the id where two initiatives share a name."""
    names = Counter(i["name"] for i in p.initiatives)
    return [
        plot_text(i["name"] if names[i["name"]] == 1 else f"{i['name']} ({i['id']})")
        for i in p.initiatives
    ]


def _rows(labels: list[str]) -> dict[str, Any]:
    """A category axis listing rows top to bottom in the given order, labels never clipped."""
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": labels,
        "autorange": "reversed",
        "automargin": True,
    }


def _stage_change_is_down(change: str) -> bool:
    parts = [s.strip() for s in change.split("->")]
    return (
        len(parts) == 2
        and all(s in STAGES for s in parts)
        and (STAGES.index(parts[1]) < STAGES.index(parts[0]))
    )


def _codes(values: list[str]) -> str:
    return ", ".join(f"<code>{esc(v)}</code>" for v in values) if values else "—"


def _empty_note(title: str, height: int = 160) -> dict[str, Any]:
    layout = _layout(title, height, xaxis={"visible": False}, yaxis={"visible": False})
    layout["annotations"] = [
        {"text": "No initiatives in this summary", "showarrow": False, "x": 0.5, "y": 0.5,
         "xref": "paper", "yref": "paper"}
    ]  # fmt: skip
    return layout


# --- views and charts -----------------------------------------------------------------


def overview(p: Portfolio) -> View:
    """Headline numbers: how many, at which stage, how many overclaimed, failed or blocked."""
    n = headline_numbers(p)
    run = esc(p.run_id) + (
        f" (compared with run {esc(p.previous_run_id)})"
        if p.previous_run_id is not None
        else " (no previous run)"
    )
    facts = [
        ("Initiatives", esc(n["initiatives"])),
        ("Overclaimed (label above the evidence)", _loud(n["overclaimed"])),
        ("Prototypes whose logs show production traffic", _loud(n["shadow_production"])),
        ("Conditions not yet met, in total", esc(n["blockers"])),
        ("Dossiers that failed", _loud(n["dossiers_failed"])),
        ("Records that could not be assessed", _loud(n["not_assessed"])),
        ("Assessed as of", esc(p.as_of.isoformat())),
        ("Gate catalogue", esc(p.catalogue)),
        ("Generated", esc(p.generated_at)),
        ("Run", run),
        ("Source", esc(p.source)),
    ]
    stages = _table(
        ["Stage", "Claimed by", "Supported by the evidence for"],
        [(esc(stage_label(s)), esc(n[f"claimed_{s}"]), esc(n[f"supported_{s}"])) for s in STAGES],
        "wb-portfolio-stages",
    )
    failed = ""
    if p.failed:
        rows = [
            (f"<code>{esc(f.get('path'))}</code>", _loud_text(f.get("error") or "failed"))
            for f in p.failed
        ]
        failed = "<p><strong>Not assessed</strong></p>" + _table(["Record", "Error"], rows)
    html = _facts(facts) + stages + failed
    text = "\n".join(
        [
            f"{n['initiatives']} initiatives, as of {p.as_of}, catalogue {one_line(p.catalogue)}",
            "supported: " + ", ".join(f"{s} {n[f'supported_{s}']}" for s in STAGES),
            f"overclaimed: {n['overclaimed']}; conditions not yet met: {n['blockers']}",
            f"possible shadow production: {n['shadow_production']}",
            f"dossiers failed: {n['dossiers_failed']}; not assessed: {n['not_assessed']}",
            f"generated {one_line(p.generated_at) or '-'}",
        ]
        + [f"NOT ASSESSED {one_line(f.get('path'))}: {one_line(f.get('error'))}" for f in p.failed]
    )
    return View(html, text)


def gate_heatmap(p: Portfolio) -> Chart:
    """Initiatives against gates; every cell says "passes" or "not yet"."""
    title = "Gates each initiative passes"
    if not p.initiatives:
        return Chart([], _empty_note(title))
    z = [[int(i["gates"][g]) for g in GATES] for i in p.initiatives]
    text = [["passes" if i["gates"][g] else "not yet" for g in GATES] for i in p.initiatives]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": [stage_label(g) for g in GATES],
        "y": _labels(p),
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"color": "#ffffff"},
        "colorscale": [[0, NOT_YET], [0.5, NOT_YET], [0.5, PASSES], [1, PASSES]],
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y}, %{x} gate: %{text}<extra></extra>",
    }
    layout = _layout(
        title,
        120 + 30 * len(p.initiatives),
        xaxis={"side": "top", "type": "category"},
        yaxis=_rows(heat["y"]),
    )
    return Chart([heat], layout)


def stage_chart(p: Portfolio) -> Chart:
    """Claimed (open circle) and supported (filled diamond) stage per initiative.

    An overclaimed row is joined by a thick line and says OVERCLAIMED in its label.
    """
    title = "Claimed stage against the stage the evidence supports"
    if not p.initiatives:
        return Chart([], _empty_note(title))
    labels = [
        label + ("  ⚠ OVERCLAIMED" if i["overclaimed"] else "")
        for label, i in zip(_labels(p), p.initiatives, strict=True)
    ]
    claimed = [STAGES.index(i["claimed_stage"]) for i in p.initiatives]
    supported = [STAGES.index(i["supported_stage"]) for i in p.initiatives]
    gap_x: list[int | None] = []
    gap_y: list[str | None] = []
    for label, i, c, s in zip(labels, p.initiatives, claimed, supported, strict=True):
        if i["overclaimed"]:
            gap_x += [s, c, None]
            gap_y += [label, label, None]
    traces = [
        {
            "type": "scatter", "mode": "lines", "x": gap_x, "y": gap_y,
            "name": "overclaimed: the label is above the evidence",
            "line": {"color": LOUD, "width": 4}, "hoverinfo": "skip",
        },
        {
            "type": "scatter", "mode": "markers", "x": claimed, "y": labels,
            "name": "claimed stage",
            "marker": {"symbol": "circle-open", "size": 16, "line": {"width": 3},
                       "color": [LOUD if i["overclaimed"] else STRONG for i in p.initiatives]},
            "text": [stage_label(i["claimed_stage"]) for i in p.initiatives],
            "hovertemplate": "%{y}: claims %{text}<extra></extra>",
        },
        {
            "type": "scatter", "mode": "markers", "x": supported, "y": labels,
            "name": "stage the evidence supports",
            "marker": {"symbol": "diamond", "size": 11, "color": "#000000"},
            "text": [stage_label(i["supported_stage"]) for i in p.initiatives],
            "hovertemplate": "%{y}: the evidence supports %{text}<extra></extra>",
        },
    ]  # fmt: skip
    layout = _layout(
        title,
        160 + 30 * len(p.initiatives),
        xaxis={"tickvals": list(range(len(STAGES))), "ticktext": [stage_label(s) for s in STAGES],
               "range": [-0.4, len(STAGES) - 0.6], "side": "top", "gridcolor": "#E5ECF6",
               "zeroline": False},
        yaxis=_rows(labels),
        legend={"orientation": "h", "y": -0.05, "yanchor": "top"},
    )  # fmt: skip
    return Chart(traces, layout)


def _flags(i: dict[str, Any]) -> str:
    """The label-versus-evidence warnings of one row, or "no"."""
    flags = []
    if i["overclaimed"]:
        flags.append(f'<strong style="color:{LOUD}">⚠ OVERCLAIMED</strong>')
    if i["shadow_production"]:
        flags.append(
            f'<strong style="color:{LOUD}" title="{esc(i["shadow_production"])}">'
            "⚠ POSSIBLE SHADOW PRODUCTION</strong>"
        )
    return "<br>".join(flags) or "no"


def initiatives_table(p: Portfolio) -> View:
    """One row per initiative, its name linking to its dossier when one was written."""
    if not p.initiatives:
        return View("<p>No initiatives in this summary.</p>", "No initiatives.")
    rows, lines = [], []
    for i in p.initiatives:
        outcome = i["outcome"]
        if outcome in ("failed", "invalid"):
            shown = _loud_text(f"{outcome.upper()}: {i['error'] or 'no dossier'}")
        elif dossier_link(i["dossier"]):
            shown = esc(outcome)
        else:
            shown = esc(outcome) + " (no dossier)"
        rows.append(
            (
                _name_html(i),
                esc(stage_label(i["claimed_stage"])),
                esc(stage_label(i["supported_stage"])),
                _flags(i),
                esc(i["weakest_area"]),
                esc(len(i["blockers"])),
                shown,
            )
        )
        lines.append(
            f"{one_line(i['id'])}  {i['claimed_stage']} -> supported {i['supported_stage']}"
            + ("  OVERCLAIMED" if i["overclaimed"] else "")
            + ("  POSSIBLE SHADOW PRODUCTION" if i["shadow_production"] else "")
            + f"  {len(i['blockers'])} not met  {outcome}"
            + (
                f": {one_line(i['error'])}"
                if outcome in ("failed", "invalid") and i["error"]
                else ""
            )
        )
    headers = [
        "Initiative", "Claimed", "Supported", "Label warnings", "Weakest area",
        "Not yet met", "Dossier",
    ]  # fmt: skip
    return View(_table(headers, rows, "wb-portfolio"), "\n".join(lines))


def blockers_by_area(p: Portfolio) -> Chart:
    """Conditions not yet met across the portfolio, per area; the largest stands out."""
    title = "Conditions not yet met across the portfolio, by area"
    count: Counter[str] = Counter()
    where: dict[str, set[str]] = {a: set() for a in AREAS}
    by_gate: dict[str, Counter[str]] = {a: Counter() for a in AREAS}
    for i in p.initiatives:
        for b in i["blockers"]:
            area = b.get("area")
            if area in where:
                count[area] += 1
                where[area].add(i["id"])
                by_gate[area][str(b.get("gate"))] += 1
    top = max(count.values(), default=0)
    # The area holding back most is named so, not only coloured.
    areas = [a + (" (most)" if top and count[a] == top else "") for a in AREAS]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [count[a] for a in AREAS],
        "y": areas,
        "marker": {"color": [WEAK if top and count[a] == top else STRONG for a in AREAS]},
        "text": [
            f"{count[a]} in {len(where[a])} initiative{'s' if len(where[a]) != 1 else ''}"
            for a in AREAS
        ],
        "customdata": [
            ", ".join(f"{stage_label(g)} {by_gate[a][g]}" for g in GATES if by_gate[a][g]) or "none"
            for a in AREAS
        ],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{text}<br>by gate: %{customdata}<extra></extra>",
    }
    layout = _layout(
        title,
        120 + 40 * len(AREAS),
        xaxis={"title": {"text": "conditions not yet met"}, "gridcolor": "#E5ECF6",
               "rangemode": "tozero", "range": [0, max(top, 1) * 1.35]},
        yaxis=_rows(areas),
    )  # fmt: skip
    return Chart([bar], layout)


def blockers_by_criterion(p: Portfolio) -> View:
    """Each criterion not yet met somewhere: its question, and which initiatives it holds back."""
    found: dict[str, dict[str, Any]] = {}
    for i in p.initiatives:
        for b in i["blockers"]:
            entry = found.setdefault(b["criterion"], {"blocker": b, "who": [], "statuses": []})
            entry["who"].append(i)
            entry["statuses"].append(str(b.get("status")))
    if not found:
        return View("<p>No condition is outstanding anywhere.</p>", "No blockers.")
    gate_order = {g: n for n, g in enumerate(GATES)}
    ordered = sorted(
        found.items(),
        key=lambda kv: (-len(kv[1]["who"]), gate_order.get(kv[1]["blocker"].get("gate"), 9), kv[0]),
    )
    rows, lines = [], []
    for criterion, e in ordered:
        b = e["blocker"]
        statuses = Counter(e["statuses"])
        rows.append(
            (
                f"<code>{esc(criterion)}</code>",
                esc(stage_label(b.get("gate"))),
                esc(b.get("area")),
                esc(b.get("question")),
                esc(len(e["who"])),
                ", ".join(_name_html_plain(i) for i in e["who"]),
                " ".join(badge(s) + (f" ×{k}" if k > 1 else "") for s, k in statuses.items()),
            )
        )
        lines.append(
            f"{one_line(criterion)}: {len(e['who'])} ("
            + ", ".join(one_line(i["id"]) for i in e["who"])
            + ")"
        )
    headers = ["Criterion", "Gate", "Area", "Question", "Initiatives", "Which", "Status"]
    return View(_table(headers, rows, "wb-portfolio-criteria"), "\n".join(lines))


def _current_waivers(i: dict[str, Any]) -> list[dict[str, Any]]:
    """The waiver that counts per criterion: a renewal (the latest expiry) supersedes the old."""
    latest: dict[str, dict[str, Any]] = {}
    for w in i["waivers"]:
        old = latest.get(w["criterion"])
        if old is None or w["expires"] > old["expires"]:
            latest[w["criterion"]] = w
    return list(latest.values())


def expiring_waivers(p: Portfolio, within_days: int = 30) -> View:
    """Waivers expiring within ``within_days`` of the as-of date, and expired ones, loudly."""
    found = []
    for i in p.initiatives:
        for w in _current_waivers(i):
            days = (dt.date.fromisoformat(w["expires"]) - p.as_of).days
            if days <= within_days:  # expired ones (days < 0) always
                found.append((days, i, w))
    if not found:
        msg = f"No waiver expires within {within_days} days of {p.as_of}, and none has expired."
        return View(f"<p>{esc(msg)}</p>", msg)
    rows, lines = [], []
    for days, i, w in sorted(found, key=lambda f: (f[0], f[1]["id"], f[2]["criterion"])):
        if days < 0:
            state = _loud_text(f"EXPIRED {-days} day{'s' if days != -1 else ''} ago")
            lines.append(
                f"EXPIRED {one_line(i['id'])} {one_line(w['criterion'])} on {w['expires']}"
            )
        else:
            left = "expires today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
            state = f"⚑ {left}"
            who = f"{one_line(i['id'])} {one_line(w['criterion'])}"
            lines.append(f"expiring {who} on {w['expires']} ({left})")
        rows.append(
            (
                _name_html_plain(i),
                f"<code>{esc(w['criterion'])}</code>",
                esc(w.get("approver")),
                esc(w["expires"]),
                state,
            )
        )
    headers = ["Initiative", "Criterion", "Approver", "Expires", "State"]
    return View(_table(headers, rows, "wb-portfolio-waivers"), "\n".join(lines))


def stale_evidence(p: Portfolio) -> View:
    """Conditions not met only because evidence (or a sign-off) is out of date."""
    rows, lines = [], []
    for i in p.initiatives:
        for b in i["blockers"]:
            if b.get("status") == "stale":
                rows.append(
                    (
                        _name_html_plain(i),
                        esc(stage_label(b.get("gate"))),
                        f"<code>{esc(b['criterion'])}</code>",
                        badge("stale"),
                        esc(b.get("detail")),
                    )
                )
                lines.append(
                    f"{one_line(i['id'])}: {one_line(b['criterion'])} stale"
                    f" ({one_line(b.get('detail') or '-')})"
                )
    if not rows:
        return View("<p>No condition is held back by stale evidence.</p>", "No stale evidence.")
    headers = ["Initiative", "Gate", "Criterion", "Status", "Why"]
    return View(_table(headers, rows, "wb-portfolio-stale"), "\n".join(lines))


def changes_since_previous(p: Portfolio) -> View:
    """New, resolved and regressed conditions and stage changes since the previous run."""
    if p.previous_run_id is None:
        msg = "No previous run to compare with: this is the first run."
        return View(f"<p>{esc(msg)}</p>", "No previous run.")
    rows, lines = [], []
    for i in p.initiatives:
        c = i["changes"]
        if not (c["new_blockers"] or c["resolved"] or c["regressions"] or c["stage_change"]):
            continue
        stage = c["stage_change"]
        if stage and _stage_change_is_down(stage):
            stage_html = _loud_text(f"{stage_label(stage)} (down)")
        else:
            stage_html = esc(stage_label(stage) if stage else None)
        regressions = (
            f'<strong style="color:{LOUD}">⚠ regressed:</strong> ' + _codes(c["regressions"])
            if c["regressions"]
            else "—"
        )
        rows.append(
            (
                _name_html_plain(i),
                stage_html,
                _codes(c["new_blockers"]),
                _codes(c["resolved"]),
                regressions,
            )
        )
        parts = [f"{one_line(i['id'])}:"]
        if stage:
            parts.append(f"stage {one_line(stage)}")
        for key, label in (
            ("new_blockers", "new"),
            ("resolved", "resolved"),
            ("regressions", "REGRESSED"),
        ):
            if c[key]:
                parts.append(f"{label} " + ", ".join(one_line(x) for x in c[key]))
        lines.append(" ".join(parts[:1]) + " " + "; ".join(parts[1:]))
    if not rows:
        msg = f"Nothing changed since run {p.previous_run_id}."
        return View(f"<p>{esc(msg)}</p>", "Nothing changed.")
    headers = ["Initiative", "Stage change", "New blockers", "Resolved", "Regressions"]
    head = f"<p>Compared with run {esc(p.previous_run_id)}.</p>"
    text = f"Compared with run {p.previous_run_id}.\n" + "\n".join(lines)
    return View(head + _table(headers, rows, "wb-portfolio-changes"), text)
