"""How much the logs say an initiative is used, against how much it may be used.

Two questions, both answered from the log samples' own timestamps: does a
prototype carry production traffic (shadow production), and does any initiative
exceed the controlled use it declares (uncontrolled use)? Every readable log
sample counts, each file once (by digest), by the days its entries fall on: a
sample split into one-day files, or dated earlier than its traffic, shows the
same days as the whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbook.evidence import Findings
from workbook.evidence.logs import LogMeasures
from workbook.model.records import Record

if TYPE_CHECKING:
    from workbook.model.catalogue import Catalogue


@dataclass(frozen=True)
class Use:
    """Requests per day over every readable log sample, within a window before a date."""

    per_day: dict[dt.date, int] = field(default_factory=dict)
    #: The most distinct users one sample shows (samples may share users: not added up).
    users: int | None = None
    #: The files counted, in citation order.
    files: tuple[str, ...] = ()

    @property
    def busiest(self) -> int:
        return max(self.per_day.values(), default=0)

    def days_above(self, volume: float) -> int:
        return sum(1 for n in self.per_day.values() if n > volume)

    def days_at_or_above(self, volume: int) -> int:
        return sum(1 for n in self.per_day.values() if n >= volume)

    def shown_files(self) -> str:
        """'a.jsonl shows' / 'the log samples a.jsonl and b.jsonl show'."""
        if len(self.files) == 1:
            return f"{self.files[0]} shows"
        listed = ", ".join(self.files[:-1]) + f" and {self.files[-1]}"
        return f"the log samples {listed} show"


def measured_use(evidence: Findings, as_of: dt.date, window: int | None) -> Use:
    """Per-day requests summed over every readable log sample dated on or before ``as_of``.

    Days are the entries' own (UTC) dates; only days from ``window`` days before
    ``as_of`` up to it count. The same bytes cited twice count once.
    """
    per_day: dict[dt.date, int] = {}
    users: int | None = None
    files: list[str] = []
    seen: set[str] = set()
    for f in evidence.of_kind("log_sample"):
        m = f.measured
        if not isinstance(m, LogMeasures) or f.item.date > as_of:
            continue
        key = f.sha256 or f"{f.item.location}@{id(f)}"
        if key in seen:
            continue
        seen.add(key)
        counted = False
        for day, n in m.per_day.items():
            if not isinstance(day, dt.date) or day > as_of:
                continue
            if window is not None and (as_of - day).days > window:
                continue
            per_day[day] = per_day.get(day, 0) + n
            counted = True
        if counted:
            files.append(f.item.location)
            if m.users is not None:
                users = max(users or 0, m.users)
    return Use(dict(sorted(per_day.items())), users, tuple(files))


def shadow_traffic(
    record: Record, catalogue: Catalogue, as_of: dt.date, evidence: Findings
) -> str | None:
    """For a prototype: do its log samples show production-like traffic? Say what they show."""
    rule = catalogue.shadow_production
    if rule is None or record.stage != "prototype":
        return None
    # Old traffic says little about today: only days within the freshness window count.
    use = measured_use(evidence, as_of, catalogue.freshness_days.get("log_sample"))
    days = use.days_at_or_above(rule.min_daily_volume)
    if days < rule.min_days:
        return None
    return (
        f"{use.shown_files()} {days} days with at least {rule.min_daily_volume} "
        f"requests (up to {use.busiest:,} a day)"
    )


def over_controlled_use(record: Record, use: Use, tolerance: float) -> list[str]:
    """Each way ``use`` exceeds ``scope.controlled_use`` beyond ``tolerance``, in words."""
    limits = record.scope.controlled_use
    out = []
    ceiling = limits.max_daily_volume
    if ceiling is not None and use.busiest > ceiling * (1 + tolerance):
        days = use.days_above(ceiling * (1 + tolerance))
        out.append(
            f"logs show up to {use.busiest:,} requests a day (on {days} "
            f"day{'s' if days != 1 else ''}, more than {tolerance:.0%} above the declared "
            f"{ceiling:,})"
        )
    most = limits.max_users
    # Users are counted, not sampled: no tolerance.
    if most is not None and use.users is not None and use.users > most:
        out.append(f"logs show {use.users:,} distinct users (the declared limit is {most:,})")
    return out


def uncontrolled_use(
    record: Record, catalogue: Catalogue, as_of: dt.date, evidence: Findings
) -> str | None:
    """Do the logs show more use than ``scope.controlled_use`` allows? Say what they show."""
    use = measured_use(evidence, as_of, catalogue.freshness_days.get("log_sample"))
    found = over_controlled_use(record, use, catalogue.rules.controlled_use.tolerance)
    return "; ".join(found) if found else None
