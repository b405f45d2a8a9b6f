"""Three-way merge by field path: expectations written by hand for each case."""

from __future__ import annotations

import datetime as dt

from workbook.model.merge import Conflict, get, put, steps, three_way

BASE = {
    "trust": {"evaluation": "by hand", "guardrails": "none", "fallback": None},
    "observability": {"alerts": ["latency"]},
}


def test_edits_to_different_fields_both_survive():
    mine = {**BASE, "trust": {**BASE["trust"], "evaluation": "50 graded cases"}}
    theirs = {**BASE, "observability": {"alerts": ["latency", "errors"]}}
    merged, conflicts = three_way(BASE, mine, theirs)
    assert conflicts == []
    assert merged == {
        "trust": {"evaluation": "50 graded cases", "guardrails": "none", "fallback": None},
        "observability": {"alerts": ["latency", "errors"]},
    }


def test_sibling_fields_of_one_section_merge():
    mine = {**BASE, "trust": {**BASE["trust"], "evaluation": "graded"}}
    theirs = {**BASE, "trust": {**BASE["trust"], "guardrails": "PII filter"}}
    merged, conflicts = three_way(BASE, mine, theirs)
    assert conflicts == []
    assert merged["trust"] == {"evaluation": "graded", "guardrails": "PII filter", "fallback": None}


def test_the_same_edit_on_both_sides_is_no_conflict():
    both = {**BASE, "trust": {**BASE["trust"], "fallback": "manual queue"}}
    assert three_way(BASE, both, dict(both)) == (both, [])


def test_a_real_conflict_names_the_path_and_three_values_and_keeps_mine():
    mine = {**BASE, "trust": {**BASE["trust"], "guardrails": "mine"}}
    theirs = {**BASE, "trust": {**BASE["trust"], "guardrails": "theirs"}}
    merged, conflicts = three_way(BASE, mine, theirs)
    assert conflicts == [Conflict("trust.guardrails", "none", "mine", "theirs")]
    assert merged["trust"]["guardrails"] == "mine"


def test_rows_of_a_register_merge_row_by_row_and_name_the_row():
    base = {"gaps": [{"id": "G1", "owner": None}, {"id": "G2", "owner": "Ana"}]}
    mine = {"gaps": [{"id": "G1", "owner": "Bo"}, {"id": "G2", "owner": "Ana"}]}
    theirs = {"gaps": [{"id": "G1", "owner": None}, {"id": "G2", "owner": "Cy"}]}
    merged, conflicts = three_way(base, mine, theirs)
    assert conflicts == []
    assert merged == {"gaps": [{"id": "G1", "owner": "Bo"}, {"id": "G2", "owner": "Cy"}]}
    # Both edit row 2's owner: the path says which row.
    clash = {"gaps": [{"id": "G1", "owner": None}, {"id": "G2", "owner": "Di"}]}
    _, conflicts = three_way(base, clash, theirs)
    assert conflicts == [Conflict("gaps[1].owner", "Ana", "Di", "Cy")]


def test_rows_added_on_both_sides_conflict_as_a_whole():
    base = {"gaps": [{"id": "G1"}]}
    mine = {"gaps": [{"id": "G1"}, {"id": "G2"}]}
    theirs = {"gaps": [{"id": "G1"}, {"id": "G3"}]}
    _, conflicts = three_way(base, mine, theirs)
    assert [c.path for c in conflicts] == ["gaps"]
    # Added on one side only: taken.
    assert three_way(base, mine, base) == (mine, [])


def test_a_key_absent_on_one_side_counts_as_none():
    base = {"a": None}
    merged, conflicts = three_way(base, {"a": None, "b": "new"}, {"c": "disk"})
    assert conflicts == []
    assert merged == {"a": None, "b": "new", "c": "disk"}


def test_dates_compare_as_dates():
    day = dt.date(2026, 12, 1)
    assert three_way({"d": day}, {"d": dt.date(2026, 12, 1)}, {"d": day}) == ({"d": day}, [])


def test_paths_step_through_keys_and_rows():
    assert steps("data.gaps[2].owner") == ["data", "gaps", 2, "owner"]
    data = {"data": {"gaps": [{"owner": "a"}, {"owner": "b"}, {"owner": "c"}]}}
    assert get(data, "data.gaps[2].owner") == "c"
    assert get(data, "data.gaps[7].owner") is None
    changed = put(data, "data.gaps[1].owner", "z")
    assert [g["owner"] for g in changed["data"]["gaps"]] == ["a", "z", "c"]
    assert data["data"]["gaps"][1]["owner"] == "b", "put copies; the original is unchanged"
