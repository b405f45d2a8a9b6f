"""What the notebooks show: small views rendered as escaped HTML, with a plain-text twin.

Every piece of user text passes through ``esc``. Views never compute a
verdict; they present the Assessment they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from workbook import __version__
from workbook.model.assess import Assessment, CriterionResult, stage_label
from workbook.model.records import SIGNALS, Record

#: Okabe-Ito hues (distinguishable with common colour-vision deficiencies), darkened
#: where needed so every badge reaches WCAG AA contrast (4.5:1). Every status is
#: also spelled out, never shown by colour alone.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (symbol, background, text colour)
    "met": ("✓", "#007A5A", "#ffffff"),
    "not_applicable": ("–", "#6E6E6E", "#ffffff"),
    "waived": ("⚑", "#0072B2", "#ffffff"),
    "unverified": ("?", "#E69F00", "#000000"),
    "stale": ("↻", "#F0E442", "#000000"),
    "missing": ("✗", "#B34400", "#ffffff"),
    "waiver_expired": ("⚠", "#CC79A7", "#000000"),
    "unreadable": ("⚠", "#000000", "#ffffff"),
    "below_threshold": ("▼", "#B34400", "#ffffff"),
}
#: Warnings written in running text (5.6:1 on white).
LOUD = "#B34400"


def esc(value: object) -> str:
    """HTML-escape any value; None and empty become an em dash."""
    if value is None or value == "" or value == []:
        return "—"
    return escape(str(value), quote=True)


class View:
    """Rendered as HTML in Jupyter and in dossiers; as text in a terminal or a diff."""

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
    symbol, bg, fg = STATUS_STYLE.get(status, ("", "#666666", "#ffffff"))
    label = status.replace("_", " ")
    return (
        f'<span class="wb-status wb-{esc(status)}" style="background:{bg};color:{fg};'
        f'padding:1px 6px;border-radius:3px;white-space:nowrap">{symbol} {esc(label)}</span>'
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """Rows are HTML fragments already escaped by the caller."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="wb-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _items(values: Sequence[Any]) -> str:
    if not values:
        return "—"
    return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul>"


def _facts(pairs: Sequence[tuple[str, str]]) -> str:
    """A two-column table of (label, html) pairs."""
    rows = "".join(f"<tr><th scope='row'>{esc(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="wb-facts"><tbody>{rows}</tbody></table>'


def _loud(count: int) -> str:
    """A count that must not be missed when it is not zero."""
    return f'<strong style="color:{LOUD}">⚠ {count}</strong>' if count else "0"


def _text_facts(pairs: Sequence[tuple[str, object]]) -> str:
    return "\n".join(f"{k}: {v if v not in (None, '', []) else '-'}" for k, v in pairs)


# --- cover and verdict --------------------------------------------------------


def cover(a: Assessment) -> View:
    """The honest headline and the facts a reader needs before anything else."""
    r = a.record
    weakest = a.weakest_area or "none"
    flagged = a.overclaimed or a.shadow_production
    tone = LOUD if flagged else ("#007A5A" if not a.blockers else "#0072B2")
    expired = sum(w.expired for w in a.waivers)
    earlier = sum(not s.current for s in a.signoffs)
    facts = [
        ("Claimed stage", esc(stage_label(a.claimed_stage))),
        ("Stage the evidence supports", esc(stage_label(a.supported_stage))),
        ("Target stage", esc(stage_label(r.target_stage) if r.target_stage else None)),
        ("Next gate", esc(stage_label(a.next_gate) if a.next_gate else "none: all gates passed")),
        ("Weakest area for the next gate", esc(weakest)),
        ("Conditions not yet met", esc(len(a.blockers))),
        ("Waivers in force", esc(len(a.waivers) - expired)),
        ("Waivers expired", _loud(expired)),
        ("Sign-offs for an earlier version", _loud(earlier)),
        ("Sponsor", esc(r.sponsor)),
        ("Assessed as of", esc(a.as_of.isoformat())),
    ]
    html = (
        f'<div class="wb-cover"><p class="wb-kicker">Readiness dossier · {esc(r.id)}</p>'
        f'<h2 class="wb-title" style="font-size:1.8em;margin:0.2em 0">{esc(r.name)}</h2>'
        f"<p>{esc(r.summary) if r.summary else ''}</p>"
        f'<p class="wb-headline" role="note" style="border-left:6px solid {tone};'
        f'padding:0.5em 0.8em;font-size:1.15em;background:#f7f7f7">{esc(a.headline)}'
        + (" <strong>OVERCLAIMED</strong>" if a.overclaimed else "")
        + (" <strong>POSSIBLE SHADOW PRODUCTION</strong>" if a.shadow_production else "")
        + f"</p>{_facts(facts)}</div>"
    )
    text = f"{r.name} ({r.id})\n{a.headline}" + (" OVERCLAIMED" if a.overclaimed else "")
    text += " POSSIBLE SHADOW PRODUCTION" if a.shadow_production else ""
    text += f"\nNext gate: {a.next_gate or 'none'}; weakest area: {weakest}"
    if expired or earlier:
        text += f"\nWaivers expired: {expired}; sign-offs for an earlier version: {earlier}"
    return View(html, text)


def status_table(a: Assessment, areas: Sequence[str]) -> View:
    """Every criterion of these areas, gate by gate, with its status and why."""
    results = [r for r in a.results if r.criterion.area in areas]
    rows = [
        (
            esc(stage_label(r.criterion.gate)),
            f"<code>{esc(r.criterion.id)}</code>",
            esc(r.criterion.question),
            badge(r.status),
            esc(r.detail),
        )
        for r in results
    ]
    html = _table(["Gate", "Criterion", "Question", "Status", "Detail"], rows, "wb-criteria")
    text = "\n".join(f"{r.criterion.gate:<21} {r.criterion.id:<34} {r.status}" for r in results)
    return View(html, text)


def _blocker_row(r: CriterionResult) -> tuple[str, ...]:
    c = r.criterion
    return (
        esc(stage_label(c.gate)),
        esc(c.area),
        f"<code>{esc(c.id)}</code><br>{esc(c.question)}",
        badge(r.status),
        esc(r.detail),
        esc(c.satisfied_by),
    )


def blockers(a: Assessment) -> View:
    """What is not yet true, by gate then area, each with what would satisfy it."""
    if not a.blockers:
        return View("<p>Every condition up to the stage it aims for is met.</p>", "No blockers.")
    headers = ["Gate", "Area", "Criterion", "Status", "Why not yet", "What would satisfy it"]
    html = _table(headers, map(_blocker_row, a.blockers), "wb-blockers")
    text = "\n".join(
        f"{r.criterion.gate}/{r.criterion.area}: {r.criterion.id} {r.status}" for r in a.blockers
    )
    return View(html, text)


def waivers(a: Assessment) -> View:
    """Waivers with their expiry; expired ones are impossible to miss."""
    if not a.waivers:
        return View("<p>No waivers.</p>", "No waivers.")
    rows = []
    lines = []
    for w in sorted(a.waivers, key=lambda w: w.waiver.expires):
        if w.expired:
            state = f'<strong style="color:{LOUD}">⚠ EXPIRED</strong>'
            lines.append(f"EXPIRED {w.waiver.criterion} on {w.waiver.expires}")
        else:
            state = f"valid, {w.days_left} days left"
            lines.append(f"waived {w.waiver.criterion} until {w.waiver.expires}")
        rows.append(
            (
                f"<code>{esc(w.waiver.criterion)}</code>",
                esc(w.waiver.reason),
                esc(w.waiver.approver),
                esc(w.waiver.expires.isoformat()),
                state,
            )
        )
    html = _table(["Criterion", "Reason", "Approver", "Expires", "State"], rows, "wb-waivers")
    return View(html, "\n".join(lines))


def signoffs(a: Assessment) -> View:
    """Who signed which gate, and whether it was for this version."""
    if not a.signoffs:
        return View("<p>No sign-offs yet.</p>", "No sign-offs.")
    rows, lines = [], []
    for s in a.signoffs:
        so = s.signoff
        state = (
            "for this version"
            if s.current
            else f'<strong style="color:{LOUD}">⚠ given for an earlier version</strong>'
        )
        rows.append(
            (
                esc(stage_label(so.gate)),
                esc(so.name),
                esc(so.role.replace("_", " ")),
                esc(so.date.isoformat()),
                f"<code>{esc(so.digest[:12])}</code>",
                state,
            )
        )
        lines.append(
            f"{so.gate} {so.role} {so.date} {'current' if s.current else 'EARLIER VERSION'}"
        )
    html = _table(["Gate", "Name", "Role", "Date", "Digest", "State"], rows, "wb-signoffs")
    return View(html, "\n".join(lines))


def not_applicable(a: Assessment) -> View:
    rows = [
        (f"<code>{esc(r.criterion.id)}</code>", esc(r.detail))
        for r in a.results
        if r.status == "not_applicable"
    ]
    if not rows:
        return View("<p>No criterion is marked not applicable.</p>", "None not applicable.")
    return View(_table(["Criterion", "Justification"], rows), f"{len(rows)} not applicable")


# --- the record, chapter by chapter -----------------------------------------------


def scope_record(r: Record) -> View:
    s = r.scope
    facts = [
        ("Workflow", esc(s.workflow)),
        ("Step the AI takes", esc(s.ai_step)),
        ("In scope", _items(s.in_scope)),
        ("Out of scope", _items(s.out_of_scope)),
        ("Controlled use: users", esc(s.controlled_use.users)),
        ("Controlled use: requests a day at most", esc(s.controlled_use.max_daily_volume)),
        ("Users may expect", _items(s.user_expectations)),
        ("Users must never assume", _items(s.never_assume)),
    ]
    demo = _table(
        ["Demo condition", "What was different", "How real use copes"],
        [
            (esc(d.condition.replace("_", " ")), esc(d.description), esc(d.real_use_handling))
            for d in s.demo_conditions
        ],
        "wb-demo",
    )
    text = _text_facts([("workflow", s.workflow), ("demo conditions", len(s.demo_conditions))])
    return View(_facts(facts) + "<p><strong>Demo conditions</strong></p>" + demo, text)


def data_record(r: Record, as_of: dt.date) -> View:
    d = r.data
    sources = _table(
        ["Source", "System of record", "Owner"],
        [(esc(x.name), esc(x.system_of_record), esc(x.owner)) for x in d.sources],
    )
    gap_rows = []
    for g in d.gaps:
        overdue = g.status == "open" and g.due is not None and g.due < as_of
        due = esc(g.due.isoformat() if g.due else None) + (
            f' <strong style="color:{LOUD}">overdue</strong>' if overdue else ""
        )
        gap_rows.append(
            (
                f"<code>{esc(g.id)}</code>",
                esc(g.description),
                esc(g.severity),
                esc(g.owner),
                due,
                esc(g.status),
                esc(", ".join(g.columns) or None),
            )
        )
    headers = ["Gap", "Description", "Severity", "Owner", "Due", "Status", "Columns"]
    gaps = _table(headers, gap_rows, "wb-gaps")
    facts = [
        ("May use", _items(d.boundaries.may_use)),
        ("Must never use", _items(d.boundaries.must_not_use)),
        ("Highest classification", esc(d.boundaries.classification)),
        ("Grounding", esc(d.grounding)),
    ]
    html = (
        "<p><strong>Sources</strong></p>"
        + sources
        + _facts(facts)
        + "<p><strong>Gap register</strong></p>"
        + gaps
    )
    open_gaps = [g for g in d.gaps if g.status == "open"]
    text = f"{len(d.sources)} sources; {len(d.gaps)} gaps, {len(open_gaps)} open"
    return View(html, text)


def ownership_record(r: Record) -> View:
    o, i = r.ownership, r.integration
    facts = [
        ("Business owner", esc(o.business_owner)),
        ("Support team", esc(o.support_owner.team)),
        ("Support hours", esc(o.support_owner.hours)),
        ("Support contact", esc(o.support_owner.contact)),
        ("Change control", esc(o.change_control)),
        ("Trained team", esc(o.enablement.trained_team)),
        ("Runbook", esc(o.enablement.runbook)),
        ("Where users meet it", esc(i.in_workflow)),
    ]
    escalation = _table(
        ["Escalation trigger", "Escalates to"],
        [(esc(e.trigger), esc(e.target)) for e in o.escalation],
    )
    systems = _table(
        ["Connected system", "Interface owner"],
        [(esc(s.system), esc(s.interface_owner)) for s in i.systems],
    )
    text = _text_facts(
        [("business owner", o.business_owner), ("support team", o.support_owner.team)]
    )
    return View(_facts(facts) + escalation + systems, text)


def observability_record(r: Record) -> View:
    ob = r.observability
    rows = []
    for signal in SIGNALS:
        plan = ob.logging_plan.get(signal)  # type: ignore[call-overload]
        if plan is None:
            rows.append((esc(signal.replace("_", " ")), badge("missing"), "—", "—", "—", "no plan"))
            continue
        rows.append(
            (
                esc(signal.replace("_", " ")),
                "logged" if plan.logged else "<strong>not logged</strong>",
                esc(plan.where),
                esc(plan.retention_days),
                "yes" if plan.redacted else "no",
                esc(plan.reason),
            )
        )
    plan_table = _table(
        ["Signal", "Logged", "Where", "Kept (days)", "Redacted", "Why not"], rows, "wb-logging"
    )
    facts = [
        ("Privacy decisions", esc(ob.privacy_decisions)),
        ("Dashboards", _items(ob.dashboards)),
        ("Alerts", _items(ob.alerts)),
    ]
    planned = sum(1 for s in SIGNALS if s in ob.logging_plan)
    return View(
        plan_table + _facts(facts), f"logging plan covers {planned} of {len(SIGNALS)} signals"
    )


def trust_record(r: Record) -> View:
    t = r.trust
    th = t.thresholds
    facts = [
        ("Evaluation", esc(t.evaluation)),
        ("Guardrails", _items(t.guardrails)),
        ("Review path", esc(t.review_path)),
        ("When output is wrong", esc(t.failure_handling.wrong)),
        ("When it is too slow", esc(t.failure_handling.delayed)),
        ("When it is blocked", esc(t.failure_handling.blocked)),
        ("When output is unsafe", esc(t.failure_handling.unsafe)),
        ("Fallback", esc(t.fallback)),
        ("Latency p95 at most (ms)", esc(th.latency_p95_ms)),
        ("Error rate at most", esc(th.error_rate)),
        ("Quality pass rate at least", esc(th.quality_pass_rate)),
    ]
    return View(
        _facts(facts), _text_facts([("evaluation", t.evaluation), ("fallback", t.fallback)])
    )


def governance_record(r: Record) -> View:
    g = r.governance
    facts = [
        ("Usage policy", esc(g.usage_policy)),
        ("Security review by", esc(g.security_review.reviewer)),
        ("Security review date", esc(g.security_review.date)),
        ("Security review outcome", esc(g.security_review.outcome)),
    ]
    return View(_facts(facts), _text_facts([("usage policy", g.usage_policy)]))


def _read_status(a: Assessment, index: int) -> str:
    """Whether the workbook could read (and measure) the cited item."""
    found = a.evidence.items[index] if index < len(a.evidence.items) else None
    if found is None:
        return "—"
    if not found.readable:
        return f"{badge('unreadable')} {esc(found.reason)}"
    if found.measured is not None:
        return "measured"
    return "read" if found.item.path is not None else "link"


def evidence_list(r: Record, a: Assessment) -> View:
    """Cited evidence, as cited (relative paths or links), and whether it could be read."""
    if not r.evidence:
        return View("<p>No evidence is cited.</p>", "No evidence.")
    rows = [
        (
            esc(e.kind.replace("_", " ")),
            f"<code>{esc(e.location)}</code>",
            esc(e.date.isoformat()),
            esc(e.note),
            _read_status(a, i),
        )
        for i, e in enumerate(r.evidence)
    ]
    unreadable = sum(not f.readable for f in a.evidence.items)
    return View(
        _table(["Kind", "Where", "Date", "Note", "Read"], rows, "wb-evidence"),
        f"{len(rows)} items" + (f", {unreadable} unreadable" if unreadable else ""),
    )


def appendix(a: Assessment, parameters: dict[str, object], catalogue_source: str) -> View:
    """How this dossier was made, so anyone can reproduce or question it."""
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        (
            "Parameters",
            "<br>".join(f"<code>{esc(k)} = {esc(repr(v))}</code>" for k, v in parameters.items()),
        ),
        ("Assessed as of", esc(a.as_of.isoformat())),
        ("Digest", f"<code>{esc(a.digest)}</code>"),
        ("Gate catalogue", f"{esc(a.catalogue_name)} (<code>{esc(catalogue_source)}</code>)"),
        ("Workbook version", esc(__version__)),
        ("Generated", esc(generated)),
    ]
    text = _text_facts(
        [
            ("as of", a.as_of.isoformat()),
            ("digest", a.digest),
            ("catalogue", a.catalogue_name),
            ("workbook", __version__),
            ("generated", generated),
        ]
    )
    return View(_facts(facts), text)


def changes_view(
    last: Any, now: set[str], before: set[str], statuses: dict[str, str], a: Assessment
) -> View:
    """Blockers new and resolved since the last recorded assessment, and stage movement."""
    new, resolved = sorted(now - before), sorted(before - now)
    regressed = sorted(
        c
        for c, s in statuses.items()
        if last.statuses.get(c) in ("met", "not_applicable", "waived")
        and s not in ("met", "not_applicable", "waived")
    )
    lines = [f"Since the assessment as of {last.as_of} (supported: {stage_label(last.supported)}):"]
    if last.supported != a.supported_stage:
        lines.append(
            f"supported stage {stage_label(last.supported)} -> {stage_label(a.supported_stage)}"
        )
    lines += [f"new blocker {c}" for c in new] + [f"resolved {c}" for c in resolved]
    lines += [f"regressed {c}" for c in regressed]
    if len(lines) == 1:
        lines.append("nothing changed")
    html = "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines[1:]) + "</ul>"
    return View(f"<p>{esc(lines[0])}</p>{html}", "\n".join(lines))
