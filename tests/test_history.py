"""model.history: what changed between two assessments, decided once (pure).

Expected values are read off the rows in each case: a regression is a criterion whose
status passed before (met, not applicable, waived) and does not now; the stage went
down when the later stage comes earlier in prototype < mvp < production candidate <
production.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conftest import AS_OF, findings, make_record
from workbook.model.assess import assess
from workbook.model.history import NO_CHANGES, Changes, HistoryRow, compare

PASSING_ALL = {"a": "met", "b": "met", "c": "met"}


def row(statuses: dict[str, str], blockers: list[str], supported: str = "mvp") -> HistoryRow:
    return HistoryRow(
        run_id=1,
        started_at="2026-11-23T08:00:00+00:00",
        initiative="r",
        name="R",
        digest="0" * 64,
        as_of="2026-11-23",
        claimed="mvp",
        supported=supported,
        overclaimed=False,
        outcome="rendered",
        statuses=statuses,
        blockers=blockers,
    )


def changes(
    new: list[str], resolved: list[str], regressions: list[str], stage: str | None = None
) -> Changes:
    """``stage``: "from -> to (down)" or "from -> to", as a reader would write it."""
    before = after = None
    if stage:
        before, after = stage.removesuffix(" (down)").split(" -> ")
    return Changes(
        new_blockers=new,
        resolved=resolved,
        regressions=regressions,
        stage_from=before,
        stage_to=after,
        down=bool(stage and stage.endswith("(down)")),
    )


# (case, previous, current, expected changes)
COMPARE_TABLE = [
    (
        "nothing to compare with: no changes",
        None,
        row({"a": "missing"}, ["a"], "prototype"),
        changes([], [], []),
    ),
    ("unchanged", row(PASSING_ALL, []), row(PASSING_ALL, []), changes([], [], [])),
    (
        "new blocker that never passed",
        row({"a": "met", "b": "missing"}, []),
        row({"a": "met", "b": "missing"}, ["b"]),
        changes(["b"], [], []),
    ),
    (
        "resolved blocker",
        row({"a": "missing", "b": "missing"}, ["a", "b"]),
        row({"a": "met", "b": "missing"}, ["b"]),
        changes([], ["a"], []),
    ),
    (
        "met -> missing is a regression",
        row(PASSING_ALL, []),
        row({"a": "met", "b": "missing", "c": "met"}, ["b"]),
        changes(["b"], [], ["b"]),
    ),
    (
        "waived -> waiver_expired is a regression",
        row({"a": "waived"}, []),
        row({"a": "waiver_expired"}, ["a"]),
        changes(["a"], [], ["a"]),
    ),
    (
        "not_applicable -> missing is a regression",
        row({"a": "not_applicable"}, []),
        row({"a": "missing"}, ["a"]),
        changes(["a"], [], ["a"]),
    ),
    (
        "failing -> other failing is not a regression",
        row({"a": "unverified"}, ["a"]),
        row({"a": "stale"}, ["a"]),
        changes([], [], []),
    ),
    (
        "passing -> other passing is not a regression",
        row({"a": "met"}, []),
        row({"a": "waived"}, []),
        changes([], [], []),
    ),
    (
        "a criterion new to the catalogue is no regression",
        row({"a": "met"}, []),
        row({"a": "met", "z": "missing"}, ["z"]),
        changes(["z"], [], []),
    ),
    (
        "supported stage drops",
        row({"a": "met"}, [], "mvp"),
        row({"a": "missing"}, ["a"], "prototype"),
        changes(["a"], [], ["a"], "mvp -> prototype (down)"),
    ),
    (
        "supported stage rises",
        row({"a": "missing"}, ["a"], "mvp"),
        row({"a": "met"}, [], "production_candidate"),
        changes([], ["a"], [], "mvp -> production_candidate"),
    ),
    (
        "from production to production candidate is down",
        row({"a": "met"}, [], "production"),
        row({"a": "stale"}, ["a"], "production_candidate"),
        changes(["a"], [], ["a"], "production -> production_candidate (down)"),
    ),
]


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [case[1:] for case in COMPARE_TABLE],
    ids=[case[0] for case in COMPARE_TABLE],
)
def test_compare(previous, current, expected):
    result = compare(previous, current)
    assert result == expected
    assert result.empty == (expected == NO_CHANGES)


def test_compare_keeps_blocker_order():
    before = row({k: "met" for k in "abcd"}, ["d", "a"])
    after = row({k: "missing" for k in "abcd"}, ["c", "b", "a"])
    assert compare(before, after) == changes(["c", "b"], ["d"], ["a", "b", "c", "d"])


@pytest.mark.parametrize(
    ("stage_from", "stage_to", "down"),
    [
        ("mvp", None, False),  # one without the other
        (None, "mvp", False),
        ("mvp", "mvp", False),  # no change is written as two nulls
        ("mvp", "prototype", False),  # went down, says it did not
        ("prototype", "mvp", True),  # went up, says it went down
        (None, None, True),
        ("beta", "mvp", False),
    ],
)
def test_a_stage_change_that_contradicts_itself_is_refused(stage_from, stage_to, down):
    with pytest.raises(ValidationError):
        Changes(
            new_blockers=[],
            resolved=[],
            regressions=[],
            stage_from=stage_from,
            stage_to=stage_to,
            down=down,
        )


def test_history_row_of_an_assessment(tiny):
    # The minimal record answers only what the tiny catalogue's prototype needs: no workflow
    # (t.workflow missing), no evaluation (t.eval missing), no log sample (t.logs missing),
    # no gap register entries (t.gaps met), no sign-off (t.signoff missing). Claimed
    # prototype: the horizon is the next gate, mvp, whose failing criteria are the blockers.
    record = make_record()
    a = assess(record, tiny, AS_OF, findings(record))
    r = HistoryRow.of(a, run_id=4, started_at="2026-11-23T02:30:00+00:00", outcome="skipped")
    assert (r.run_id, r.started_at, r.initiative, r.name, r.as_of, r.outcome) == (
        4,
        "2026-11-23T02:30:00+00:00",
        "r",
        "R",
        "2026-11-23",
        "skipped",
    )
    assert (r.claimed, r.supported, r.overclaimed, r.digest) == (
        "prototype",
        "prototype",
        False,
        a.digest,
    )
    assert r.statuses == {
        "t.workflow": "missing",
        "t.eval": "missing",
        "t.logs": "missing",
        "t.gaps": "met",
        "t.signoff": "missing",
    }
    assert r.blockers == ["t.workflow", "t.eval"]
