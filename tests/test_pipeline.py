"""Finding record files in folders."""

from __future__ import annotations

from workbook.pipeline import discover


def test_discover_skips_hidden_underscore_and_evidence_folders(tmp_path):
    for name in [
        "a.yaml",
        "b.yml",
        "notes.md",
        ".draft.yaml",
        "_template.yaml",
        "unit/c.yaml",
        "evidence/a/config.yaml",
        "unit/evidence/snapshot.yml",
        ".hidden/d.yaml",
        "_old/e.yaml",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.yaml", "b.yml", "unit/c.yaml"]


def test_discover_keeps_named_files_and_drops_repeats(tmp_path):
    (tmp_path / "a.yaml").write_text("x")
    named = tmp_path / "evidence.yaml"
    assert discover([named, tmp_path, tmp_path / "a.yaml"]) == [named, tmp_path / "a.yaml"]
