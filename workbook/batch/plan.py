"""The plan of a batch run: which dossiers must be written, which are unchanged. Pure.

A dossier is a function of its *render key*: the record's digest (record,
evidence files, what the catalogue judges), the as-of date it shows, the verdict
(the statuses, and what the run found across records: evidence files another
initiative cites, goalposts) and the environment (chapter notebooks, dossier
template, workbook version, and the catalogue's whole content: a reworded question
is shown in the dossier, though it voids no sign-off and so is not in the digest). The
state of the last run maps each initiative to the key its dossier was written
for; an initiative whose key is unchanged and whose dossier is still there is
skipped. Nothing here reads a file or a clock: the caller hands in what it read.

The plan's key is what it *asks* a worker to render. The state remembers a key
only as the worker vouched for it after rendering, from the files it read
(``inputs.py``): a file edited between the plan and the render, or during it,
leaves the dossier unremembered, so a later revert cannot make a stale page look
current.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from workbook.model.assess import Assessment
from workbook.model.summary import Summary
from workbook.pipeline import Checked


def _sha(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Environment:
    """What shapes every dossier besides its record, as fingerprints (see ``environment``)."""

    notebooks: str
    template: str
    version: str
    #: The catalogue's whole content, wording included (the digest holds only what judges).
    catalogue: str
    #: The portfolio page's own notebook ("missing" when there is none).
    portfolio_notebook: str = "missing"

    @property
    def key(self) -> str:
        return _sha(self.notebooks, self.template, self.version, self.catalogue)


def verdict(a: Assessment) -> dict[str, Any]:
    """What a dossier shows that the digest does not fix: what the as-of date decides."""
    return {
        "statuses": [(r.criterion.id, r.status, r.detail) for r in a.results],
        "supported": a.supported_stage,
        "waivers": [(w.waiver.criterion, w.expired) for w in a.waivers],
        "signoffs": [(s.signoff.digest, s.current) for s in a.signoffs],
        "shadow_production": a.shadow_production,
        "uncontrolled_use": a.uncontrolled_use,
        # What the ledger's history or a pin says: the headline and cover show it.
        "goalposts": [g.describe() for g in a.goalposts],
        # Files other initiatives of the run cite too: the kernel is told (``shared``).
        "shared": sorted((sha, sorted(ids)) for sha, ids in a.evidence.shared.items()),
    }


def render_key(a: Assessment, environment: Environment) -> str:
    """Inputs (digest), verdict, environment and the as-of date.

    Every dossier shows the date it was assessed as of: one kept from an earlier date would
    disagree with the portfolio page beside it, so a new as-of date re-renders every dossier
    (a nightly run as of today renders each once a day; a run repeated the same day does not).
    """
    blob = json.dumps(
        [a.digest, verdict(a), environment.key, a.as_of.isoformat()], sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()


# --- the state of the last run ------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """The dossier last written for an initiative, and the key it was written for."""

    key: str
    dossier: str


State = Mapping[str, Seen]


def parse_state(text: str | None) -> dict[str, Seen]:
    """The state file's content; anything unreadable means "nothing seen" (all re-rendered)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        rid: Seen(seen["key"], seen["output"])
        for rid, seen in data.items()
        if isinstance(seen, dict)
        and isinstance(seen.get("key"), str)
        and isinstance(seen.get("output"), str)
    }


def dump_state(state: State) -> str:
    return json.dumps(
        {rid: {"key": s.key, "output": s.dossier} for rid, s in state.items()},
        indent=1,
        sort_keys=True,
    )


# --- what to do with each record ------------------------------------------------------------

Decision = Literal["render", "skip", "invalid"]


@dataclass(frozen=True)
class Planned:
    """One record's part in the run, decided before anything is rendered."""

    path: Path
    decision: Decision
    assessment: Assessment | None = None
    key: str | None = None
    #: For "skip": the dossier already written for this key.
    dossier: str | None = None
    #: For "invalid": why the record could not be assessed.
    error: str | None = None


def plan(
    checked: Iterable[Checked],
    environment: Environment,
    state: State,
    existing: Container[str],
    *,
    force: bool = False,
) -> list[Planned]:
    """Decide per record: render, skip (same key, dossier in ``existing``) or invalid."""
    planned = []
    for c in checked:
        a = c.assessment
        if a is None:
            error = c.error.line() if c.error else str(c.path)
            planned.append(Planned(c.path, "invalid", error=error))
            continue
        key = render_key(a, environment)
        seen = state.get(a.id)
        if not force and seen is not None and seen.key == key and seen.dossier in existing:
            planned.append(Planned(c.path, "skip", a, key, dossier=seen.dossier))
        else:
            planned.append(Planned(c.path, "render", a, key))
    return planned


# --- the portfolio page ----------------------------------------------------------------------


def portfolio_key(environment: Environment, summary: Summary) -> str:
    """What the portfolio page shows: its notebook, the environment and the summary's facts.

    The run's number and time are left out (an unchanged run rewrites nothing), and so is
    the as-of date, which counts only through the verdicts, as for a dossier. "rendered"
    and "skipped" look the same on the page (a dossier is there); a failure does not.
    """
    page = summary.model_dump(
        mode="json", exclude={"generated_at", "run_id", "previous_run_id", "as_of"}
    )
    for i in page["initiatives"]:
        if i["outcome"] in ("rendered", "skipped"):
            i["outcome"] = "written"
    return _sha(environment.portfolio_notebook, environment.key, json.dumps(page, sort_keys=True))
