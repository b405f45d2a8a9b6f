"""The mail-ready digest of a batch run: what needs attention, in a few kilobytes.

A run writes ``digest.md`` and ``digest.txt`` beside ``summary.json``. Both come from
the summary alone (every verdict in it is the model's; this only picks and orders):
overclaimed labels, uncontrolled use, new blockers and regressions since the previous
finished run, and waivers expired or expiring within 30 days, each with its dossier's
file name. Each file stays within ``BUDGET`` bytes: when the lists do not fit, every
list is cut to the same length and says how many more ``index.html`` shows.

The Markdown is made to be pasted into mail or chat: text from records (names, ids,
criteria, what the logs show) has its control and bidi characters spelled out
(``errors.one_line``) and every Markdown-active character backslash-escaped, so it can
neither forge structure, links, images nor HTML. Bare web addresses are escaped too, so no
link is made at all: the only file names the digest carries are the dossiers' (checked
by the summary contract as plain ``<id>.html``), as code spans, and ``index.html``.
The plain text has no Markdown syntax at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

from workbook.errors import one_line
from workbook.model.criteria import PASSING
from workbook.model.records import STAGES
from workbook.model.summary import Initiative, Summary
from workbook.words import counted

DIGEST_MD = "digest.md"
DIGEST_TXT = "digest.txt"
#: Each file's size limit in bytes (UTF-8): small enough for any mail body or chat post.
BUDGET = 4096
#: Waivers expiring this many days after the as-of date, or sooner, are listed.
WAIVER_DAYS = 30
#: No list is longer than this, even when more would fit.
MAX_ITEMS = 10
PORTFOLIO_PAGE = "index.html"
#: Longest shown run of a record's own text; longer is cut with an ellipsis.
MAX_NAME = 60
MAX_TEXT = 160
#: Criteria named per line; the rest are counted.
MAX_CRITERIA = 4

#: What starts markup inside a line (emphasis, code, links, images, headings, tables,
#: HTML, entities, strikethrough). Record text never starts a line here, so list and
#: heading markers that only count there ("-", "+", "1.", "=") are left as typed.
_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()#!|<>~&])")
#: Where GitHub-flavoured Markdown and chat tools turn bare text into links ("https://",
#: "www."): escaping the colon or the dot keeps it text.
_AUTOLINK = re.compile(r"(:)(?=//)|(?<=www)(\.)", re.IGNORECASE)


def md(text: object) -> str:
    """Record text as literal Markdown: one line, every active character escaped."""
    escaped = _MD_ACTIVE.sub(r"\\\1", one_line(text))
    return _AUTOLINK.sub(lambda m: "\\" + m.group(), escaped)


def cut(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters (``…`` marks a cut)."""
    line = one_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stage(name: str | None) -> str:
    return (name or "none").replace("_", " ")


@dataclasses.dataclass(frozen=True)
class Item:
    """One line of a list: whose it is, what is wrong (record text), its dossier."""

    key: tuple[object, ...]  # most severe first, then by id
    id: str
    name: str
    detail: str
    dossier: str | None


@dataclasses.dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]
    #: Said when the list is empty.
    none: str


def _item(
    i: Initiative, severity: tuple[object, ...], detail: str, then: tuple[object, ...] = ()
) -> Item:
    return Item(
        (*severity, i.id, *then), cut(i.id, MAX_NAME), cut(i.name, MAX_NAME), detail, i.dossier
    )


def criteria_named(names: list[str], gate_of: Mapping[str, str] | None = None) -> str:
    shown = [
        cut(c, 48) + (f" ({stage(gate_of[c])} gate)" if gate_of and c in gate_of else "")
        for c in names[:MAX_CRITERIA]
    ]
    more = len(names) - MAX_CRITERIA
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def overclaimed(s: Summary) -> Section:
    """Claimed above the supported stage; the widest gap first."""
    items = [
        _item(
            i,
            (STAGES.index(i.supported_stage) - STAGES.index(i.claimed_stage),),
            f"claims {stage(i.claimed_stage)}, supported {stage(i.supported_stage)}",
        )
        for i in s.initiatives
        if i.overclaimed
    ]
    return Section("Overclaimed labels", items, "No initiative claims more than it supports.")


def uncontrolled(s: Summary) -> Section:
    """Shadow production (a prototype serving production traffic) first, then use beyond limits."""
    items = []
    for i in s.initiatives:
        if i.shadow_production:
            text = cut(i.shadow_production, MAX_TEXT)
            items.append(_item(i, (0,), f"shadow production: {text}"))
        if i.uncontrolled_use:
            text = cut(i.uncontrolled_use, MAX_TEXT)
            items.append(_item(i, (1,), f"beyond its controlled use: {text}"))
    return Section("Uncontrolled use", items, "No logs show use beyond what was declared.")


def new_blockers(s: Summary) -> Section:
    """Blockers new since the previous run; those holding an earlier gate first."""
    items = []
    for i in s.initiatives:
        new = i.changes.new_blockers
        if not new:
            continue
        gate_of = {r.criterion: r.gate for r in i.results}
        earliest = min((STAGES.index(gate_of[c]) for c in new if c in gate_of), default=99)
        items.append(_item(i, (earliest, -len(new)), criteria_named(new, gate_of)))
    return Section("New blockers", items, _no_change(s, "No new blocker"))


def regressions(s: Summary) -> Section:
    """The supported stage went down (the furthest fall first), or a criterion stopped passing.

    A gate is said to be lost only when that is certain from this run alone: it fails now,
    and every criterion failing in it passed in the previous run.
    """
    items = []
    for i in s.initiatives:
        c = i.changes
        if not (c.down or c.regressions):
            continue
        parts = []
        fall = 0
        if c.down and c.stage_from and c.stage_to:
            fall = STAGES.index(c.stage_from) - STAGES.index(c.stage_to)
            parts.append(f"supported stage down from {stage(c.stage_from)} to {stage(c.stage_to)}")
        gate_of = {r.criterion: r.gate for r in i.results}
        failing: dict[str, set[str]] = {}
        for r in i.results:
            if r.status not in PASSING:
                failing.setdefault(r.gate, set()).add(r.criterion)
        lost = [
            g
            for g in ("mvp", "production_candidate", "production")
            if not getattr(i.gates, g) and failing.get(g) and failing[g] <= set(c.regressions)
        ]
        if lost:
            parts.append("gate lost: " + ", ".join(stage(g) for g in lost))
        if c.regressions:
            parts.append("no longer passing: " + criteria_named(c.regressions, gate_of))
        items.append(_item(i, (-fall, -len(lost), -len(c.regressions)), "; ".join(parts)))
    return Section("Regressions", items, _no_change(s, "No regression"))


def waivers(s: Summary, within_days: int = WAIVER_DAYS) -> Section:
    """Waivers expired (still counted, date passed) or expiring within ``within_days``.

    A waiver a renewal superseded is not listed; the renewal is, on its own date.
    """
    items = []
    for i in s.initiatives:
        for w in i.waivers:
            days = (w.expires - s.as_of).days
            if w.superseded or not (w.expired or days <= within_days):
                continue
            crit = cut(w.criterion, 48)
            if w.expired:
                ago = max(-days, 0)
                when = f"expired on {w.expires} ({ago} day{'' if ago == 1 else 's'} ago)"
            elif days == 0:
                when = f"expires today ({w.expires})"
            else:
                when = f"expires on {w.expires} ({days} day{'' if days == 1 else 's'} left)"
            approver = f", approved by {cut(w.approver, MAX_NAME)}" if w.approver else ""
            items.append(_item(i, (days,), f"{crit} {when}{approver}", (w.criterion,)))
    title = f"Waivers expired or expiring within {counted(within_days, 'day')}"
    return Section(title, items, f"No waiver expires by {s.as_of + dt.timedelta(within_days)}.")


def _no_change(s: Summary, what: str) -> str:
    if s.previous_run_id is None:
        return "No previous finished run to compare with."
    return f"{what} since run {s.previous_run_id}."


def sections(s: Summary) -> list[Section]:
    """The digest's lists, in the order it shows them, each sorted most severe first."""
    found = [overclaimed(s), uncontrolled(s), new_blockers(s), regressions(s), waivers(s)]
    return [dataclasses.replace(x, items=sorted(x.items, key=lambda it: it.key)) for x in found]


def _heading(s: Summary) -> tuple[str, str]:
    run = f"run {s.run_id}" if s.run_id is not None else "a run"
    against = (
        f"compared with run {s.previous_run_id}"
        if s.previous_run_id is not None
        else "no previous finished run"
    )
    title = f"Readiness digest: {run}, as of {s.as_of}"
    counts = f"{len(s.initiatives)} initiative{'' if len(s.initiatives) == 1 else 's'} ({against})"
    failed = len(s.failed)
    broken = sum(1 for i in s.initiatives if i.error)
    if failed:
        counts += f"; {failed} record{'' if failed == 1 else 's'} could not be assessed"
    if broken:
        counts += f"; {broken} dossier{'' if broken == 1 else 's'} failed"
    return title, counts


def _more(n: int) -> str:
    return f"and {n} more — see {PORTFOLIO_PAGE}"


def _markdown(s: Summary, parts: list[Section], limit: int) -> str:
    title, counts = _heading(s)
    lines = [f"# {md(title)}", "", md(counts) + f", full portfolio: `{PORTFOLIO_PAGE}`"]
    for sec in parts:
        lines += ["", f"## {md(sec.title)} ({len(sec.items)})", ""]
        if not sec.items:
            lines.append(md(sec.none))
        for it in sec.items[:limit]:
            where = f"`{it.dossier}`" if it.dossier else "no dossier"
            lines.append(f"- **{md(it.id)}** ({md(it.name)}): {md(it.detail)} — {where}")
        if len(sec.items) > limit:
            lines.append(f"- {md(_more(len(sec.items) - limit))}")
    return "\n".join(lines) + "\n"


def _text(s: Summary, parts: list[Section], limit: int) -> str:
    title, counts = _heading(s)
    lines = [title, "", f"{counts}, full portfolio: {PORTFOLIO_PAGE}"]
    for sec in parts:
        lines += ["", f"{sec.title} ({len(sec.items)})"]
        if not sec.items:
            lines.append(f"  {sec.none}")
        for it in sec.items[:limit]:
            where = it.dossier or "no dossier"
            lines.append(f"  {it.id} ({it.name}): {it.detail} — {where}")
        if len(sec.items) > limit:
            lines.append(f"  {_more(len(sec.items) - limit)}")
    return "\n".join(lines) + "\n"


def digest(s: Summary, budget: int = BUDGET) -> tuple[str, str]:
    """``(markdown, plain text)``, each at most ``budget`` UTF-8 bytes.

    Every list is cut to the longest common length at which both fit (at most
    ``MAX_ITEMS``), each cut list ending "and N more — see index.html".
    """
    parts = sections(s)
    for limit in range(MAX_ITEMS, -1, -1):
        pair = _markdown(s, parts, limit), _text(s, parts, limit)
        if all(len(t.encode("utf-8")) <= budget for t in pair):
            return pair
    # Headings and counts alone are a few hundred bytes: only a tiny budget lands here.
    raise ValueError(f"a digest needs more than {budget} bytes")
