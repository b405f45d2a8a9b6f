"""An initiative's assessments over time, and what changed between two of them. Pure.

The ledger (``workbook/ledger.py``) stores and loads ``HistoryRow``s; the batch
compares this run's assessment with the previous finished run's, the dossier
does the same in its kernel, and the summary carries the ``Changes`` to the
portfolio page. One comparison, one type, decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, model_validator

from workbook.model.criteria import PASSING
from workbook.model.records import STAGES, Stage

if TYPE_CHECKING:
    from workbook.model.assess import Assessment

#: What a batch run did with a record: wrote its dossier, found it unchanged, failed to
#: write it, or could not assess the record at all.
Outcome = Literal["rendered", "skipped", "failed", "invalid"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
#: How people read each outcome: a dossier not rendered again because nothing it shows
#: changed is "unchanged" in every line, page and table ("skipped" stays the stored value).
OUTCOME_WORDS: dict[str, str] = {"skipped": "unchanged"}


def outcome_word(outcome: str) -> str:
    """The word people read for a stored outcome."""
    return OUTCOME_WORDS.get(outcome, outcome)


@dataclass(frozen=True)
class HistoryRow:
    """One stored assessment of one initiative, with the start time of its run."""

    run_id: int
    started_at: str
    initiative: str
    name: str
    digest: str
    as_of: str
    claimed: str
    supported: str
    overclaimed: bool
    outcome: str
    #: criterion id -> status, for every criterion of the catalogue.
    statuses: dict[str, str]
    #: The criteria not yet met, in the assessment's order.
    blockers: list[str]

    @classmethod
    def of(
        cls, a: Assessment, *, run_id: int = 0, started_at: str = "", outcome: str = "rendered"
    ) -> HistoryRow:
        """An assessment in the ledger's shape (run 0: shown, not stored)."""
        return cls(
            run_id=run_id,
            started_at=started_at,
            initiative=a.id,
            name=a.record.name,
            digest=a.digest,
            as_of=a.as_of.isoformat(),
            claimed=a.claimed_stage,
            supported=a.supported_stage,
            overclaimed=a.overclaimed,
            outcome=outcome,
            statuses={r.criterion.id: r.status for r in a.results},
            blockers=[r.criterion.id for r in a.blockers],
        )


def _went_down(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and STAGES.index(after) < STAGES.index(before)


class Changes(BaseModel):
    """What changed between two assessments of one initiative.

    Also the ``changes`` of each initiative in ``summary.json``: unknown keys are
    refused, and a stage change that contradicts itself is too.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    #: Conditions not met now that were met (or absent) before.
    new_blockers: list[str]
    #: Conditions not met before that are met now.
    resolved: list[str]
    #: Criteria that passed before and do not now (a criterion new to the catalogue
    #: has no earlier status to fall from).
    regressions: list[str]
    #: The supported stage before and now; both null when it did not change.
    stage_from: Stage | None
    stage_to: Stage | None
    #: The supported stage went down.
    down: bool

    @model_validator(mode="after")
    def _one_stage_change(self) -> Changes:
        if (self.stage_from is None) != (self.stage_to is None) or (
            self.stage_from is not None and self.stage_from == self.stage_to
        ):
            raise ValueError("stage_from and stage_to must be two different stages, or both null")
        if self.down != _went_down(self.stage_from, self.stage_to):
            raise ValueError(
                f"down is {str(self.down).lower()} for {self.stage_from} -> {self.stage_to}"
                " (expected true exactly when the stage went down)"
            )
        return self

    @property
    def empty(self) -> bool:
        return not (self.new_blockers or self.resolved or self.regressions or self.stage_to)


NO_CHANGES = Changes(
    new_blockers=[], resolved=[], regressions=[], stage_from=None, stage_to=None, down=False
)


def compare(previous: HistoryRow | None, current: HistoryRow) -> Changes:
    """The changes from ``previous`` to ``current``; with nothing to compare with, none."""
    if previous is None:
        return NO_CHANGES
    before, now = set(previous.blockers), set(current.blockers)
    regressions = [
        cid
        for cid, status in current.statuses.items()
        if previous.statuses.get(cid) in PASSING and status not in PASSING
    ]
    moved = previous.supported != current.supported
    return Changes(
        new_blockers=[b for b in current.blockers if b not in before],
        resolved=[b for b in previous.blockers if b not in now],
        regressions=regressions,
        stage_from=previous.supported if moved else None,  # type: ignore[arg-type]
        stage_to=current.supported if moved else None,  # type: ignore[arg-type]
        down=_went_down(previous.supported, current.supported),
    )
