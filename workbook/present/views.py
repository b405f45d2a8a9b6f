"""What the notebooks show: small views, each an autoescaped template with a plain-text twin.

A view gathers data from the Assessment (or the Record) and hands it to its
template in ``workbook/present/templates/`` (see ``workbook.present.html`` for
how to add one). Views never compute a verdict; they present the Assessment
they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from workbook import __version__
from workbook.model.assess import Assessment, WaiverState, stage_label
from workbook.model.history import HistoryRow, compare
from workbook.model.records import SIGNALS, Record
from workbook.model.rules import Rules
from workbook.present.html import LOUD, STATUS_STYLE, macro, render
from workbook.present.next_steps import by_person
from workbook.present.next_steps import next_steps as steps_of
from workbook.words import counted


class View:
    """Rendered as HTML in Jupyter and in dossiers; as text in a terminal or a diff.

    ``html`` is Markup from a template; adding two views keeps it so (Markup + str
    would escape the str).
    """

    def __init__(self, html: str, text: str) -> None:
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __add__(self, other: View) -> View:
        return View(self.html + other.html, f"{self.text}\n{other.text}")


def badge(status: str) -> str:
    """A status spelled out beside its symbol and colour."""
    return macro("macros.html.j2", "badge", status)


def note(html_text: str, text: str | None = None) -> View:
    """A one-sentence view (an empty state such as "No waivers.")."""
    return View(macro("macros.html.j2", "note", html_text), text or html_text)


def _text_facts(pairs: Sequence[tuple[str, object]]) -> str:
    return "\n".join(f"{k}: {v if v not in (None, '', []) else '-'}" for k, v in pairs)


# --- cover and verdict --------------------------------------------------------


#: How many of the next gate's blockers, and of the people who must act, the cover names:
#: the executive summary is one printed page (its readiness chart included).
COVER_BLOCKERS = 3
COVER_PEOPLE = 6


def cover(a: Assessment, rules: Rules | None = None) -> View:
    """The executive summary: the honest headline (claimed against supported stage) and its
    flags, what blocks the next gate (how many, the most urgent few with the chapter that
    fixes each), who must act (``next_steps``: each person or role and how many steps),
    then the facts. It prints as page 1 with the readiness chart.

    ``rules`` are the catalogue's (its roles say which field names whom); without them, the
    rules ``a`` was assessed under.
    """
    r = a.record
    weakest = a.weakest_area or "none"
    flagged = a.overclaimed or a.shadow_production or a.uncontrolled_use or a.goalposts
    # The headline's edge: loud when the label misleads; the "met" green when nothing is
    # outstanding; else the palette's blue (the "waived" badge's): work remains, labelled honestly.
    tone = LOUD if flagged else STATUS_STYLE["met" if not a.blockers else "waived"][1]
    expired = len(a.expired_waivers)
    earlier = sum(not s.current for s in a.signoffs)
    steps = steps_of(a, rules)
    # One line per blocker of the next gate, in next_steps' order (gate, then area), each
    # with the chapter of its first step: that is where it is fixed.
    blocking = list(
        {s.result.criterion.id: s for s in steps if s.result.criterion.gate == a.next_gate}.values()
    )
    later = sum(b.criterion.gate != a.next_gate for b in a.blockers)
    people = by_person(steps)
    html = render(
        "cover.html.j2",
        a=a,
        record=r,
        tone=tone,
        expired=expired,
        earlier=earlier,
        in_force=len(a.counting_waivers) - expired,
        moved=sum(g.kind == "changed" for g in a.goalposts),
        shift_flags=shift_flags(a),
        blocking=blocking,
        urgent=blocking[:COVER_BLOCKERS],
        later=later,
        people=people[:COVER_PEOPLE],
        more_people=len(people) - COVER_PEOPLE,
    )
    text = f"{r.name} ({r.id})\n{a.headline}" + (" OVERCLAIMED" if a.overclaimed else "")
    text += " POSSIBLE SHADOW PRODUCTION" if a.shadow_production else ""
    text += " UNCONTROLLED USE" if a.uncontrolled_use else ""
    text += "".join(f" {f}" for f in shift_flags(a))
    text += f"\nNext gate: {a.next_gate or 'none'}; weakest area: {weakest}"
    if blocking:
        first = ", ".join(s.result.criterion.id for s in blocking[:COVER_BLOCKERS])
        text += f"\nBlocking the next gate: {len(blocking)} (first: {first})"
    if people:
        text += "\nWho must act: " + ", ".join(f"{p.who} ({len(p.steps)})" for p in people)
    if expired or earlier:
        text += f"\nWaivers expired: {expired}; sign-offs for an earlier version: {earlier}"
    return View(html, text)


#: The cover's flag for each kind of goalpost shift (``model.goalposts``).
SHIFT_FLAGS = {
    "changed": "GOALPOSTS MOVED",
    "pinned": "HELD TO ITS PINNED CATALOGUE",
    "pin_missing": "PINNED CATALOGUE NOT FOUND",
}


def shift_flags(a: Assessment) -> list[str]:
    """One loud flag per kind of goalpost shift the assessment carries."""
    return list(dict.fromkeys(SHIFT_FLAGS[g.kind] for g in a.goalposts))


def status_table(a: Assessment, areas: Sequence[str]) -> View:
    """Every criterion of these areas, gate by gate, with its status and why."""
    results = [r for r in a.results if r.criterion.area in areas]
    text = "\n".join(f"{r.criterion.gate:<21} {r.criterion.id:<34} {r.status}" for r in results)
    return View(render("status_table.html.j2", results=results), text)


def blockers(a: Assessment, rules: Rules | None = None) -> View:
    """What is not yet true, by gate then area, each with what would satisfy it; then who
    must act on it (``next_steps``: ``rules`` are the catalogue's, for its roles)."""
    text = "\n".join(
        f"{r.criterion.gate}/{r.criterion.area}: {r.criterion.id} {r.status}" for r in a.blockers
    )
    table = View(render("blockers.html.j2", blockers=a.blockers), text or "No blockers.")
    return table + next_steps(a, rules) if a.blockers else table


def next_steps(a: Assessment, rules: Rules | None = None) -> View:
    """What to do next, by person: each blocker under who must act, with the chapter (an
    in-page link to its heading) and the record field that fix it."""
    groups = by_person(steps_of(a, rules))
    lines = ["What to do next, by person:"] if groups else []
    for g in groups:
        lines.append(f"{g.who} ({', '.join(g.roles)}):" if g.named else f"{g.who}:")
        lines += [
            f"  {s.result.criterion.gate} {s.result.criterion.id}: "
            f"{'; '.join(s.fields)} in chapter {s.chapter.title}"
            for s in g.steps
        ]
    return View(render("next_steps.html.j2", groups=groups), "\n".join(lines) or "No blockers.")


def _waiver_line(w: WaiverState) -> str:
    crit, until = w.waiver.criterion, w.waiver.expires
    if w.superseded_by is not None:
        return f"superseded {crit} (until {until}) by the renewal until {w.superseded_by.expires}"
    if w.refused:
        return f"NOT COUNTED {crit} (until {until}): {'; '.join(w.refused)}"
    return f"EXPIRED {crit} on {until}" if w.expired else f"waived {crit} until {until}"


def waivers(a: Assessment) -> View:
    """Waivers with their expiry; expired and refused ones are impossible to miss."""
    shown = sorted(a.waivers, key=lambda w: w.waiver.expires)
    lines = [_waiver_line(w) for w in shown]
    return View(render("waivers.html.j2", waivers=shown), "\n".join(lines) or "No waivers.")


def signoffs(a: Assessment) -> View:
    """Who signed which gate, and whether it was for this version."""
    lines = [
        f"{s.signoff.gate} {s.signoff.role} {s.signoff.date} "
        f"{'current' if s.current else 'EARLIER VERSION'}"
        for s in a.signoffs
    ]
    return View(
        render("signoffs.html.j2", signoffs=a.signoffs), "\n".join(lines) or "No sign-offs."
    )


def not_applicable(a: Assessment) -> View:
    """Criteria marked not applicable, with their justification."""
    results = [r for r in a.results if r.status == "not_applicable"]
    text = f"{len(results)} not applicable" if results else "None not applicable."
    return View(render("not_applicable.html.j2", results=results), text)


# --- the record, chapter by chapter -----------------------------------------------


def scope_record(r: Record) -> View:
    """Scope, controlled use, expectations and the demo conditions."""
    s = r.scope
    text = _text_facts([("workflow", s.workflow), ("demo conditions", len(s.demo_conditions))])
    return View(render("scope_record.html.j2", record=r), text)


def data_record(r: Record, as_of: dt.date) -> View:
    """Sources, boundaries and the gap register; open gaps past their due date are flagged."""
    d = r.data
    gaps = [(g, g.status == "open" and g.due is not None and g.due < as_of) for g in d.gaps]
    open_gaps = [g for g in d.gaps if g.status == "open"]
    text = (
        f"{counted(len(d.sources), 'source')}; {counted(len(d.gaps), 'gap')}, {len(open_gaps)} open"
    )
    return View(render("data_record.html.j2", record=r, gaps=gaps), text)


def ownership_record(r: Record) -> View:
    """Owners, support, escalation and the connected systems."""
    o = r.ownership
    text = _text_facts(
        [("business owner", o.business_owner), ("support team", o.support_owner.team)]
    )
    return View(render("ownership_record.html.j2", record=r), text)


def observability_record(r: Record) -> View:
    """The logging plan for each of the nine signals, dashboards and alerts."""
    plan = r.observability.logging_plan
    plans = [(s, plan.get(s)) for s in SIGNALS]
    planned = sum(1 for s in SIGNALS if s in plan)
    text = f"logging plan covers {planned} of {len(SIGNALS)} signals"
    return View(render("observability_record.html.j2", record=r, plans=plans), text)


def trust_record(r: Record) -> View:
    """Evaluation, guardrails, failure handling and thresholds."""
    t = r.trust
    text = _text_facts([("evaluation", t.evaluation), ("fallback", t.fallback)])
    return View(render("trust_record.html.j2", record=r), text)


def governance_record(r: Record) -> View:
    """Usage policy and security review."""
    text = _text_facts([("usage policy", r.governance.usage_policy)])
    return View(render("governance_record.html.j2", record=r), text)


def evidence_list(r: Record, a: Assessment) -> View:
    """Cited evidence, as cited (relative paths or links), and whether it could be read."""
    found = a.evidence.items
    cited = [(e, found[i] if i < len(found) else None) for i, e in enumerate(r.evidence)]
    unreadable = sum(not f.readable for f in found)
    text = (
        counted(len(cited), "item") + (f", {unreadable} unreadable" if unreadable else "")
        if cited
        else "No evidence."
    )
    return View(render("evidence_list.html.j2", cited=cited), text)


def appendix(a: Assessment, parameters: dict[str, object], catalogue_source: str) -> View:
    """How this dossier was made, so anyone can reproduce or question it."""
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = render(
        "appendix.html.j2",
        a=a,
        parameters=[(k, repr(v)) for k, v in parameters.items()],
        catalogue_source=catalogue_source,
        version=__version__,
        generated=generated,
    )
    text = _text_facts(
        [
            ("as of", a.as_of.isoformat()),
            ("digest", a.digest),
            ("catalogue", a.catalogue_name),
            ("workbook", __version__),
            ("generated", generated),
        ]
    )
    return View(html, text)


def changes_view(last: HistoryRow, a: Assessment) -> View:
    """What changed since ``last``, an assessment recorded in the ledger (``compare``'s word)."""
    changes = compare(last, HistoryRow.of(a))
    lines = [
        f"Since run {last.run_id}, as of {last.as_of} (supported: {stage_label(last.supported)}):"
    ]
    if changes.stage_from and changes.stage_to:
        lines.append(
            f"supported stage {stage_label(changes.stage_from)} -> {stage_label(changes.stage_to)}"
            + (" (down)" if changes.down else "")
        )
    lines += [f"new blocker {c}" for c in changes.new_blockers]
    lines += [f"resolved {c}" for c in changes.resolved]
    lines += [f"regressed {c}" for c in changes.regressions]
    if changes.empty:
        lines.append("nothing changed")
    html = render("changes.html.j2", heading=lines[0], lines=lines[1:], down=changes.down)
    return View(html, "\n".join(lines))
