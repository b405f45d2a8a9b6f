"""``workbook init DIR``: a team's own portfolio repository, ready to check and to run nightly.

It writes a commented first record, the shipped catalogue for the team to own, the
``workbook.toml`` every command reads, a README, and the automation a team adds next:
a pre-commit hook, GitHub Actions and GitLab CI jobs, a crontab line and an Airflow DAG.
Nothing is ever overwritten: if any file it would write exists, it writes none.
"""

from __future__ import annotations

from pathlib import Path

from workbook.errors import UsageError
from workbook.files import atomic_create_text, make_folder
from workbook.model.catalogue import DEFAULT_CATALOGUE
from workbook.model.scaffold import create_record, record_id
from workbook.paths import TEMPLATES

#: Each file written, by its place in DIR, and where its text comes from in templates/init/.
FILES = {
    "workbook.toml": "workbook.toml",
    "README.md": "README.md",
    ".gitignore": "gitignore",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".github/workflows/readiness.yml": "github-workflow.yml",
    ".gitlab-ci.yml": "gitlab-ci.yml",
    "ops/crontab": "crontab",
    "ops/airflow_dag.py": "airflow_dag.py",
}
CATALOGUE = "gates/catalogue.yaml"
RECORDS = "records"
KEEP = "records/evidence/.gitkeep"


def planned(folder: Path, name: str) -> list[Path]:
    """Every file ``init`` writes in ``folder``, the first record's included."""
    rel = [*FILES, CATALOGUE, KEEP, f"{RECORDS}/{record_id(name)}.yaml"]
    return [folder / r for r in rel]


def init_portfolio(folder: Path, name: str = "First initiative") -> list[Path]:
    """Write the portfolio repository into ``folder`` (made if missing); the files written."""
    existing = [p for p in planned(folder, name) if p.exists() or p.is_symlink()]
    if existing:
        raise UsageError(
            f"already exists; nothing was written ({len(existing)} of the files init writes "
            "are there)",
            path=existing[0],
            expected="an empty or new folder, or move these files aside",
        )
    source = TEMPLATES / "init"
    written = []
    make_folder(folder)
    for target, template in FILES.items():
        path = folder / target
        make_folder(path.parent)
        atomic_create_text(path, (source / template).read_text(encoding="utf-8"))
        written.append(path)
    catalogue = folder / CATALOGUE
    make_folder(catalogue.parent)
    atomic_create_text(catalogue, DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    keep = folder / KEEP
    make_folder(keep.parent)
    atomic_create_text(keep, "")
    record = create_record(name, folder / RECORDS, "prototype")
    return [*written, catalogue, keep, record]
