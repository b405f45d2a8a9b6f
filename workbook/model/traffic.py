"""How much the logs say an initiative is used, against how much it may be used.

Two questions, both answered from the log samples' own timestamps: does a
prototype carry production traffic (shadow production), and does any initiative
exceed the controlled use it declares (uncontrolled use)?
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from workbook.evidence import Findings
from workbook.evidence.logs import LogMeasures
from workbook.model.records import Record

if TYPE_CHECKING:
    from workbook.model.catalogue import Catalogue


def shadow_traffic(
    record: Record, catalogue: Catalogue, as_of: dt.date, evidence: Findings
) -> str | None:
    """For a prototype: do its log samples show production-like traffic? Say what they show."""
    rule = catalogue.shadow_production
    if rule is None or record.stage != "prototype":
        return None
    # Old traffic says little about today: only samples within the freshness window count.
    window = catalogue.freshness_days.get("log_sample")
    for f in evidence.of_kind("log_sample"):
        m = f.measured
        if not isinstance(m, LogMeasures) or f.item.date > as_of:
            continue
        if window is not None and (as_of - f.item.date).days > window:
            continue
        days = m.days_at_or_above(rule.min_daily_volume)
        if days >= rule.min_days:
            busiest = max(m.per_day.values())
            return (
                f"{f.item.location} shows {days} days with at least {rule.min_daily_volume} "
                f"requests (up to {busiest:,} a day)"
            )
    return None


def uncontrolled_use(
    record: Record, catalogue: Catalogue, as_of: dt.date, evidence: Findings
) -> str | None:
    """Do the logs show more use than ``scope.controlled_use`` allows? Say what they show."""
    return None
