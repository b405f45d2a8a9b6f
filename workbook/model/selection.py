"""Which cited evidence a criterion rests on, and whether it may rest on it.

The newest cited file of a kind decides (a broken or failing newer file is never
passed over for an older one); it must be readable, fresh, big enough to judge and,
for reviews, drills and trainings, record a passing outcome.
"""

from __future__ import annotations

from workbook.evidence import EvidenceFinding
from workbook.model.criteria import Context, Outcome


def select_evidence(
    ctx: Context, kind: str, max_age_days: int | None = None
) -> tuple[EvidenceFinding | None, Outcome | None]:
    """The newest readable, fresh evidence of ``kind``; else why there is none.

    Returns (finding, None) when one counts, (None, outcome) when evidence is
    cited but none counts, and (None, None) when none is cited. Evidence dated
    after the assessment date did not exist yet and is not counted.
    ``max_age_days`` overrides the catalogue's window for this kind.
    """
    found = [f for f in ctx.evidence.of_kind(kind) if f.item.date <= ctx.as_of]
    if not found:
        return None, None
    window = max_age_days or ctx.freshness_days.get(kind)
    readable = [f for f in found if f.readable]
    fresh = [f for f in readable if window is None or (ctx.as_of - f.item.date).days <= window]
    if fresh:
        return max(fresh, key=lambda f: f.item.date), None
    if readable:
        newest = max(readable, key=lambda f: f.item.date)
        age = (ctx.as_of - newest.item.date).days
        return None, Outcome(
            "stale",
            f"newest {kind} evidence ({newest.item.location}, {newest.item.date}) is {age} days "
            f"old; at most {window} days allowed",
        )
    return None, Outcome("unreadable", "; ".join(f"{f.item.location}: {f.reason}" for f in found))


def evidence_outcome(ctx: Context, kind: str, max_age_days: int | None = None) -> Outcome | None:
    """Met if readable, fresh evidence of ``kind`` is cited; None if none is cited."""
    finding, problem = select_evidence(ctx, kind, max_age_days)
    if finding is None:
        return problem
    return Outcome("met", f"{kind} evidence {finding.item.location} of {finding.item.date}")
