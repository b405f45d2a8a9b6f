"""Time from pressing Save in a chapter form to the refreshed verdict, in the kernel.

Run: .venv/bin/python benchmarks/form_save.py [example-id] [runs]
Each run edits one field, then times ChapterForm.save(): validation, the
conflict check, the comment-preserving atomic write, re-assessment from disk
and rendering of the chapter's verdict. (The browser adds one widget round
trip on top; see tests/test_lab_form.py.)
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workbook.model.catalogue import load_catalogue
from workbook.pipeline import assess_file
from workbook.present.forms import ChapterForm

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


def main() -> None:
    example = sys.argv[1] if len(sys.argv) > 1 else "kyc-document-check"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    catalogue = load_catalogue()
    as_of = dt.date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(EXAMPLES, Path(tmp) / "examples")
        path = Path(tmp) / "examples" / f"{example}.yaml"
        form = ChapterForm(path, "stage", lambda p: assess_file(p, catalogue, as_of))
        sponsor = form.fields["sponsor"]
        times = []
        for i in range(runs):
            sponsor.input.value = f"Sponsor edit {i}"
            start = time.perf_counter()
            assert form.save(), form.message.value
            times.append((time.perf_counter() - start) * 1000)
    print(f"example={example} runs={runs}")
    print(f"save_to_verdict_ms median={statistics.median(times):.1f} max={max(times):.1f}")


if __name__ == "__main__":
    main()
