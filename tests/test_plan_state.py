"""The batch plan's state file and defaults, as a scheduled run relies on them.

The state file is read back by the next run and read by people when a dossier is not
redrawn: one initiative per key, sorted, indented, so that runs diff line by line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import EXAMPLES
from workbook.batch.plan import (
    Environment,
    Planned,
    Seen,
    dump_state,
    plan,
    portfolio_key,
    render_key,
)
from workbook.model import summary as contract
from workbook.model.catalogue import load_catalogue
from workbook.pipeline import Checked, assess_file

ENV = Environment(notebooks="n", template="t", version="1.0", catalogue="c")


def test_the_state_file_is_sorted_and_indented_by_one_space():
    state = {"b-id": Seen("k2", "b.html"), "a-id": Seen("k1", "a.html")}
    assert dump_state(state) == (
        "{\n"
        ' "a-id": {\n'
        '  "key": "k1",\n'
        '  "output": "a.html"\n'
        " },\n"
        ' "b-id": {\n'
        '  "key": "k2",\n'
        '  "output": "b.html"\n'
        " }\n"
        "}"
    )


def test_an_unchanged_record_is_skipped_unless_forced_and_keeps_its_path():
    path = EXAMPLES / "claims-triage.yaml"
    a = assess_file(path, load_catalogue(), dt.date(2026, 11, 23))
    key = render_key(a, ENV)
    state = {a.id: Seen(key, "claims-triage.html")}
    existing = {"claims-triage.html"}
    # Without ``force`` (its default is off) the same key and dossier mean: nothing to do.
    assert plan([Checked(path, a)], ENV, state, existing) == [
        Planned(path, "skip", a, key, dossier="claims-triage.html")
    ]
    assert plan([Checked(path, a)], ENV, state, existing, force=True) == [
        Planned(path, "render", a, key)
    ]


def test_a_record_that_could_not_be_assessed_is_named_by_its_path():
    path = Path("portfolio/broken.yaml")
    assert plan([Checked(path)], ENV, {}, set()) == [
        Planned(path, "invalid", error="portfolio/broken.yaml")
    ]


def test_the_portfolio_page_is_redrawn_when_the_dossiers_environment_changes():
    # The page links and embeds what the dossiers show: a new workbook version (or template,
    # chapter notebooks, catalogue wording) must redraw it, as it redraws every dossier.
    path = EXAMPLES / "claims-triage.yaml"
    a = assess_file(path, load_catalogue(), dt.date(2026, 11, 23))
    entry = contract.initiative(a, path="claims-triage.yaml", outcome="rendered",
                                dossier="claims-triage.html", error=None)  # fmt: skip
    page = contract.summary(
        generated_at="2026-11-23T02:30:00+00:00", as_of=dt.date(2026, 11, 23), catalogue="c",
        run_id=2, previous_run_id=1, initiatives=[entry], failed=[],
    )  # fmt: skip
    newer = Environment(notebooks="n", template="t", version="1.1", catalogue="c")
    assert portfolio_key(ENV, page) != portfolio_key(newer, page)
