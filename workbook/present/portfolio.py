"""The portfolio dossier: every initiative of one batch run, side by side.

A batch run writes ``DIR/summary.json`` in the summary contract
(``workbook/model/summary.py``): the assessments as the model decided them,
plus what the run did and what changed since the previous run. ``load_summary``
reads it through that contract (``batch/portfolio.py`` opens it, or the
example, for the notebook), and each view or chart below presents the summary
it is given; nothing here re-assesses or re-decides a verdict. The HTML comes
from ``templates/portfolio.html.j2`` (autoescaped); chart text goes through
``plot_text``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.errors import one_line
from workbook.model import summary as contract
from workbook.model.actors import ROLE_LABELS, actor_key
from workbook.model.assess import stage_label
from workbook.model.criteria import GATES
from workbook.model.history import outcome_word
from workbook.model.records import AREAS, STAGES
from workbook.model.summary import SUMMARY_NAME, Failed, Initiative, Summary
from workbook.pipeline import display_path
from workbook.present import portfolio_charts
from workbook.present.charts import Chart
from workbook.present.html import (
    macro,
)
from workbook.present.views import SHIFT_FLAGS, View, note
from workbook.words import counted

__all__ = [
    "Acting",
    "Portfolio",
    "headline_numbers",
    "load_summary",
    "parse_summary",
    "verdict_sentence",
    "verdict_sentences",
    "who_must_act_rows",
]

TEMPLATE = "portfolio.html.j2"


# --- reading the summary ---------------------------------------------------------


def parse_summary(data: object, source: str = SUMMARY_NAME) -> Portfolio:
    """Check a decoded summary against the contract and wrap it."""
    return Portfolio(contract.parse_summary(data, source), source)


def load_summary(path: str | Path) -> Portfolio:
    """Read ``summary.json`` (or the folder holding it); any problem is one line."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_NAME
    source = one_line(display_path(path))
    return Portfolio(contract.read_summary(path, source), source)


# --- the portfolio -------------------------------------------------------------------


@dataclass(frozen=True)
class Portfolio:
    """One batch run's summary, checked; its methods are the portfolio notebook's cells."""

    summary: Summary
    source: str = SUMMARY_NAME

    @property
    def initiatives(self) -> list[Initiative]:
        return self.summary.initiatives

    @property
    def failed(self) -> list[Failed]:
        return self.summary.failed

    @property
    def as_of(self) -> dt.date:
        return self.summary.as_of

    @property
    def generated_at(self) -> str:
        return self.summary.generated_at

    @property
    def catalogue(self) -> str:
        return self.summary.catalogue

    @property
    def run_id(self) -> int | None:
        return self.summary.run_id

    @property
    def previous_run_id(self) -> int | None:
        return self.summary.previous_run_id

    def verdict(self) -> View:
        return verdict(self)

    def who_must_act(self) -> View:
        return who_must_act(self)

    def overview(self) -> View:
        return overview(self)

    def gate_heatmap(self) -> Chart:
        return portfolio_charts.gate_heatmap(self)

    def stage_chart(self) -> Chart:
        return portfolio_charts.stage_chart(self)

    def initiatives_table(self) -> View:
        return initiatives_table(self)

    def blockers_by_area(self) -> Chart:
        return portfolio_charts.blockers_by_area(self)

    def blockers_by_criterion(self) -> View:
        return blockers_by_criterion(self)

    def expiring_waivers(self, within_days: int = 30) -> View:
        return expiring_waivers(self, within_days)

    def stale_evidence(self) -> View:
        return stale_evidence(self)

    def changes_since_previous(self) -> View:
        return changes_since_previous(self)

    def moved_goalposts(self) -> View:
        return moved_goalposts(self)

    def shared_evidence(self) -> View:
        return shared_evidence(self)


# --- numbers and small helpers ------------------------------------------------------


def headline_numbers(p: Portfolio) -> dict[str, int]:
    """The counts the overview shows, for anyone who wants them as data."""
    ins = p.initiatives
    return {
        "initiatives": len(ins),
        "overclaimed": sum(i.overclaimed for i in ins),
        "shadow_production": sum(bool(i.shadow_production) for i in ins),
        "uncontrolled_use": sum(bool(i.uncontrolled_use) for i in ins),
        "goalposts_moved": sum(any(g.kind == "changed" for g in i.goalposts) for i in ins),
        "held_to_pin": sum(any(g.kind == "pinned" for g in i.goalposts) for i in ins),
        "pin_not_found": sum(any(g.kind == "pin_missing" for g in i.goalposts) for i in ins),
        "shared_evidence": sum(bool(i.shared_evidence) for i in ins),
        "blockers": sum(len(i.blockers) for i in ins),
        "dossiers_failed": sum(i.outcome == "failed" for i in ins),
        "not_assessed": len(p.failed),
        **{f"supported_{s}": sum(i.supported_stage == s for i in ins) for s in STAGES},
        **{f"claimed_{s}": sum(i.claimed_stage == s for i in ins) for s in STAGES},
    }


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


def verdict_sentence(p: Portfolio) -> str:
    """The answer in a few sentences: how many labels run ahead of their evidence, where
    the evidence puts the portfolio, and what must not be missed."""
    return " ".join(verdict_sentences(p))


def verdict_sentences(p: Portfolio) -> list[str]:
    """``verdict_sentence``, one sentence each; the first is the answer."""
    n = headline_numbers(p)
    total = n["initiatives"]
    if not total:
        return [
            "No initiatives in this summary"
            + (
                f"; {_count(n['not_assessed'], 'record')} could not be assessed."
                if n["not_assessed"]
                else "."
            )
        ]
    k = n["overclaimed"]
    if k:
        lead = (
            f"{k} of {total} initiatives {'is' if k == 1 else 'are'} labelled above what "
            "the evidence supports."
        )
    else:
        lead = f"All {total} initiatives carry a label their evidence supports."
    stages = [
        f"{stage_label(s)} for {n[f'supported_{s}']}"
        for s in reversed(STAGES)
        if n[f"supported_{s}"]
    ]
    where = f"The evidence supports {_and(stages)}"
    blockers = n["blockers"]
    where += (
        f"; {_count(blockers, 'condition is', 'conditions are')} not yet met."
        if blockers
        else "; every condition is met."
    )
    alarms = [
        f"{count} {text}"
        for count, text in (
            (n["uncontrolled_use"], "in use beyond the declared controlled use"),
            (n["shadow_production"], "with a prototype label and production traffic in its logs"),
            (n["goalposts_moved"], "passing a gate only because the catalogue changed"),
            (n["shared_evidence"], "citing an evidence file another initiative cites"),
        )
        if count
    ]
    failures = [
        text
        for count, text in (
            (n["dossiers_failed"], _count(n["dossiers_failed"], "dossier") + " failed"),
            (n["not_assessed"], _count(n["not_assessed"], "record") + " could not be assessed"),
        )
        if count
    ]
    tail = [f"Watch: {_and(alarms)}." if alarms else "", f"{_and(failures)}." if failures else ""]
    return [x for x in (lead, where, *tail) if x]


def _shift_flags(i: Initiative) -> list[str]:
    return list(dict.fromkeys(SHIFT_FLAGS[g.kind] for g in i.goalposts))


def _view(name: str, text: str, *args: Any) -> View:
    return View(macro(TEMPLATE, name, *args), text)


# --- views and charts -----------------------------------------------------------------


def verdict(p: Portfolio) -> View:
    """The answer first: the verdict sentence and the figures a reader acts on."""
    n = headline_numbers(p)
    sentences = verdict_sentences(p)
    people = len(who_must_act_rows(p))
    figures = [
        (n["initiatives"], "initiative" if n["initiatives"] == 1 else "initiatives", False),
        (n["overclaimed"], "overclaimed", True),
        (n["blockers"], "condition not yet met" if n["blockers"] == 1 else "conditions not yet met",
         False),
        (people, "person or role must act" if people == 1 else "people or roles must act", False),
        *(
            (n[key], label, True)
            for key, label in (
                ("uncontrolled_use", "beyond the declared controlled use"),
                ("shadow_production", "possible shadow production"),
                ("goalposts_moved", "passing only because the catalogue changed"),
                ("shared_evidence", "citing a file another initiative cites"),
                ("dossiers_failed", "dossier failed" if n["dossiers_failed"] == 1
                 else "dossiers failed"),
                ("not_assessed", "record not assessed" if n["not_assessed"] == 1
                 else "records not assessed"),
            )
            if n[key]
        ),
    ]  # fmt: skip
    # Which assessment this is, on the first screen and the first printed page.
    when = f"Assessed as of {p.as_of.isoformat()}" + (
        f", run {p.run_id}" if p.run_id is not None else ""
    )
    text = "\n".join(
        [" ".join(sentences), "; ".join(f"{v} {label}" for v, label, _ in figures), when]
    )
    return _view("verdict", text, sentences[0], sentences[1:], figures, when)


@dataclass(frozen=True)
class Acting:
    """One person (or unnamed role) who must act, summed up across the portfolio."""

    who: str
    named: bool
    roles: tuple[str, ...]
    blockers: int
    #: (initiative, how many of its blockers) in the portfolio's order.
    initiatives: tuple[tuple[Initiative, int], ...]


def _role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.replace("_", " "))


def who_must_act_rows(p: Portfolio) -> list[Acting]:
    """Per person (by name, across initiatives) or unnamed role: blockers and initiatives.

    A named person is one row however many roles and initiatives they act in; a role
    nobody is named for is one row per role ("support owner, not named yet"), summing the
    initiatives that leave it unnamed. A blocker the summary names nobody for (written by
    hand) is counted under "not recorded". Most blockers first.
    """
    groups: dict[str, dict[str, Any]] = {}
    for i in p.initiatives:
        for b in i.blockers:
            seen: set[str] = set()  # one blocker counts once per person, whatever the roles
            actors: list[contract.Actor | None] = list(b.who) or [None]
            for actor in actors:
                if actor is None:
                    key, who, named = "none", "not recorded in the summary", False
                elif actor.name:
                    key, who, named = actor_key(actor.role, actor.name), actor.name, True
                else:
                    label = _role_label(actor.role)
                    key, who, named = f"role:{actor.role}", f"{label} (not named yet)", False
                g = groups.setdefault(
                    key, {"who": who, "named": named, "roles": {}, "n": 0, "ids": {}}
                )
                if actor is not None:
                    g["roles"].setdefault(_role_label(actor.role), None)
                if key in seen:
                    continue
                seen.add(key)
                g["n"] += 1
                g["ids"].setdefault(i.id, [i, 0])[1] += 1
    rows = [
        Acting(
            g["who"],
            g["named"],
            tuple(g["roles"]),
            g["n"],
            tuple((i, k) for i, k in g["ids"].values()),
        )
        for g in groups.values()
    ]
    return sorted(rows, key=lambda r: (-r.blockers, not r.named, r.who.casefold()))


def who_must_act(p: Portfolio) -> View:
    """Who must act, summed up: each person or role, how many blockers, in which initiatives."""
    rows = who_must_act_rows(p)
    if not rows:
        return note("Nobody has to act: no condition is outstanding.", "Nobody has to act.")
    lines = [
        one_line(r.who)
        + (f" ({', '.join(r.roles)})" if r.named else "")
        + f": {_count(r.blockers, 'blocker')} in "
        + ", ".join(f"{one_line(i.id)} ({k})" for i, k in r.initiatives)
        for r in rows
    ]
    return _view("who", "\n".join(lines), rows)


def overview(p: Portfolio) -> View:
    """Headline numbers: how many, at which stage, how many overclaimed, failed or blocked."""
    n = headline_numbers(p)
    stages = [(stage_label(s), n[f"claimed_{s}"], n[f"supported_{s}"]) for s in STAGES]
    failed = [{"path": f.path, "error": one_line(f.error or "failed")} for f in p.failed]
    text = "\n".join(
        [
            f"{n['initiatives']} initiatives, as of {p.as_of}, catalogue {one_line(p.catalogue)}",
            "supported: " + ", ".join(f"{s} {n[f'supported_{s}']}" for s in STAGES),
            f"overclaimed: {n['overclaimed']}; conditions not yet met: {n['blockers']}",
            f"possible shadow production: {n['shadow_production']}; "
            f"uncontrolled use: {n['uncontrolled_use']}",
            f"passing only because the catalogue changed: {n['goalposts_moved']}; "
            f"held to a pinned catalogue: {n['held_to_pin']}; "
            f"pinned catalogue not found: {n['pin_not_found']}",
            f"citing an evidence file another initiative cites: {n['shared_evidence']}",
            f"dossiers failed: {n['dossiers_failed']}; not assessed: {n['not_assessed']}",
            f"generated {one_line(p.generated_at) or '-'}",
        ]
        + [f"NOT ASSESSED {one_line(f.path)}: {one_line(f.error)}" for f in p.failed]
    )
    return _view("overview", text, p, n, stages, failed)


def initiatives_table(p: Portfolio) -> View:
    """One row per initiative, its name linking to its dossier when one was written."""
    if not p.initiatives:
        return note("No initiatives in this summary.", "No initiatives.")
    rows, lines = [], []
    for i in p.initiatives:
        failed = i.outcome == "failed"
        flags = _shift_flags(i)
        rows.append(
            {
                "initiative": i,
                "shift_flags": flags,
                "failed": one_line(f"{i.outcome.upper()}: {i.error or 'no dossier'}")
                if failed
                else None,
                "outcome": outcome_word(i.outcome),
                # What the tables script sorts and filters on (text, read as text).
                "sort": {
                    "claimed": str(STAGES.index(i.claimed_stage)),
                    "supported": str(STAGES.index(i.supported_stage)),
                    "warnings": str(
                        i.overclaimed
                        + bool(i.shadow_production)
                        + bool(i.uncontrolled_use)
                        + len(flags)
                    ),
                    "area": str(AREAS.index(i.weakest_area) if i.weakest_area else len(AREAS)),
                },
            }
        )
        lines.append(
            f"{one_line(i.id)}  {i.claimed_stage} -> supported {i.supported_stage}"
            + ("  OVERCLAIMED" if i.overclaimed else "")
            + ("  POSSIBLE SHADOW PRODUCTION" if i.shadow_production else "")
            + ("  UNCONTROLLED USE" if i.uncontrolled_use else "")
            + "".join(f"  {f}" for f in _shift_flags(i))
            + f"  {len(i.blockers)} not met  {outcome_word(i.outcome)}"
            + (f": {one_line(i.error)}" if failed and i.error else "")
        )
    return _view("initiatives", "\n".join(lines), rows)


def blockers_by_criterion(p: Portfolio) -> View:
    """Each criterion not yet met somewhere: its question, and which initiatives it holds back."""
    found: dict[str, dict[str, Any]] = {}
    for i in p.initiatives:
        for b in i.blockers:
            entry = found.setdefault(b.criterion, {"blocker": b, "who": [], "statuses": Counter()})
            entry["who"].append(i)
            entry["statuses"][b.status] += 1
    if not found:
        return note("No condition is outstanding anywhere.", "No blockers.")
    gate_order = {g: n for n, g in enumerate(GATES)}
    ordered = sorted(
        found.items(),
        key=lambda kv: (-len(kv[1]["who"]), gate_order[kv[1]["blocker"].gate], kv[0]),
    )
    rows = [
        {"criterion": criterion, **e, "statuses": list(e["statuses"].items())}
        for criterion, e in ordered
    ]
    lines = [
        f"{one_line(r['criterion'])}: {len(r['who'])} ("
        + ", ".join(one_line(i.id) for i in r["who"])
        + ")"
        for r in rows
    ]
    return _view("criteria", "\n".join(lines), rows)


def expiring_waivers(p: Portfolio, within_days: int = 30) -> View:
    """Waivers expiring within ``within_days`` of the as-of date, and expired ones, loudly.

    Which waiver counts and which has expired is the model's word (``superseded``,
    ``expired``): a waiver a renewal replaced is not shown, the renewal is.
    """
    found = []
    for i in p.initiatives:
        for w in i.waivers:
            days = (w.expires - p.as_of).days
            if w.expired or (not w.superseded and days <= within_days):
                found.append((days, i, w))
    if not found:
        return note(
            f"No waiver expires within {counted(within_days, 'day')} of {p.as_of}, "
            "and none has expired."
        )
    rows, lines = [], []
    for days, i, w in sorted(found, key=lambda f: (f[0], f[1].id, f[2].criterion)):
        who = f"{one_line(i.id)} {one_line(w.criterion)}"
        if w.expired:
            ago = -days
            state = "EXPIRED" + (f" {ago} day{'s' if ago != 1 else ''} ago" if ago > 0 else "")
            lines.append(f"EXPIRED {who} on {w.expires}")
        else:
            state = "expires today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
            lines.append(f"expiring {who} on {w.expires} ({state})")
        rows.append({"initiative": i, "waiver": w, "state": state})
    return _view("waivers", "\n".join(lines), rows)


#: Stale conditions listed on the page; the rest are counted.
STALE_ROWS = 50


def stale_evidence(p: Portfolio) -> View:
    """Conditions not met only because evidence (or a sign-off) is out of date."""
    rows: list[dict[str, Any]] = [
        {"initiative": i, "blocker": b}
        for i in p.initiatives
        for b in i.blockers
        if b.status == "stale"
    ]
    if not rows:
        return note("No condition is held back by stale evidence.", "No stale evidence.")
    lines = [
        f"{one_line(r['initiative'].id)}: {one_line(r['blocker'].criterion)} stale"
        f" ({one_line(r['blocker'].detail or '-')})"
        for r in rows
    ]
    # A large portfolio's page lists the first ones: a row per stale condition of a
    # thousand initiatives is a page nobody reads (each dossier lists its own).
    return _view("stale", "\n".join(lines), rows[:STALE_ROWS], len(rows))


def changes_since_previous(p: Portfolio) -> View:
    """New, resolved and regressed conditions and stage changes since the previous run."""
    if p.previous_run_id is None:
        return note("No previous run to compare with: this is the first run.", "No previous run.")
    rows, lines = [], []
    for i in p.initiatives:
        c = i.changes
        if c.empty:
            continue
        rows.append(i)
        parts = []
        if c.stage_from and c.stage_to:
            parts.append(f"stage {c.stage_from} -> {c.stage_to}" + (" (down)" if c.down else ""))
        for values, label in (
            (c.new_blockers, "new"),
            (c.resolved, "resolved"),
            (c.regressions, "REGRESSED"),
        ):
            if values:
                parts.append(f"{label} " + ", ".join(one_line(x) for x in values))
        lines.append(f"{one_line(i.id)}: " + "; ".join(parts))
    if not rows:
        return note(f"Nothing changed since run {p.previous_run_id}.", "Nothing changed.")
    text = f"Compared with run {p.previous_run_id}.\n" + "\n".join(lines)
    return _view("changes", text, p.previous_run_id, rows)


def moved_goalposts(p: Portfolio) -> View:
    """Gates that pass only because the catalogue changed, and records held to their pin.

    Each shift is the model's word (``model.goalposts``): which gate, since when, which
    criterion was removed or changed and which rule, and under which earlier catalogue.
    """
    rows: list[dict[str, Any]] = [
        {"initiative": i, "shift": g} for i in p.initiatives for g in i.goalposts
    ]
    if not rows:
        return note(
            "No gate passes only because the catalogue changed, and every pinned catalogue holds.",
            "No moved goalposts.",
        )
    lines = [f"{one_line(r['initiative'].id)}: {one_line(r['shift'].text)}" for r in rows]
    return _view("goalposts", "\n".join(lines), rows)


def shared_evidence(p: Portfolio) -> View:
    """Evidence files (the very same bytes) cited by more than one initiative.

    A log sample or an evaluation copied from a sister initiative shows that one's system,
    not this one's; the criteria resting on such a file say so in each dossier.
    """
    files: dict[str, dict[str, Any]] = {}
    names = {i.id: i for i in p.initiatives}
    for i in p.initiatives:
        for f in i.shared_evidence:
            entry = files.setdefault(f.sha256, {"kind": f.kind, "sha256": f.sha256, "ids": {}})
            for rid in (i.id, *f.cited_by):
                entry["ids"].setdefault(rid, [])
            entry["ids"][i.id].append(f.location)
    if not files:
        return note("No evidence file is cited by more than one initiative.", "No shared files.")
    rows, lines = [], []
    for entry in sorted(files.values(), key=lambda e: (e["kind"], sorted(e["ids"]))):
        ids = sorted(entry["ids"])
        cited = [
            {"id": rid, "initiative": names.get(rid), "locations": entry["ids"][rid]} for rid in ids
        ]
        who = ", ".join(ids[:-1]) + f" and {ids[-1]}"
        rows.append({**entry, "cited": cited, "who": who})
        lines.append(
            f"the same evidence file is cited by {one_line(who)} "
            f"({entry['kind'].replace('_', ' ')}, sha256 {entry['sha256'][:12]})"
        )
    return _view("shared", "\n".join(lines), rows)
