"""Time from pressing Save in a chapter form to the refreshed verdict, in the kernel.

Run: .venv/bin/python benchmarks/form_save.py [example-id] [runs]
Each run edits one field, then times ChapterForm.save(): validation, the
conflict check, the comment-preserving atomic write, re-assessment from disk
and rendering of the chapter's verdict. (The browser adds one widget round
trip on top; see tests/test_lab_form.py.) A save that fails, or a record that
does not hold the value saved, prints one `FAILED ...` line and exits 1 without
a time.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workbook.model.catalogue import load_catalogue
from workbook.model.records import load_record
from workbook.present.forms import ChapterForm

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


def plain(markup: str) -> str:
    """The form's HTML message as one line of text."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def main() -> None:
    example = sys.argv[1] if len(sys.argv) > 1 else "kyc-document-check"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if runs < 1:
        sys.exit("usage: form_save.py [example-id] [runs >= 1]")
    if not (EXAMPLES / f"{example}.yaml").is_file():
        sys.exit(f"FAILED setup: no example {example!r} in {EXAMPLES}")
    catalogue = load_catalogue()
    as_of = dt.date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(EXAMPLES, Path(tmp) / "examples")
        path = Path(tmp) / "examples" / f"{example}.yaml"
        form = ChapterForm(path, "stage", catalogue, as_of)
        sponsor = form.fields["sponsor"]
        times = []
        for i in range(runs):
            value = f"Sponsor edit {i}"
            sponsor.input.value = value
            start = time.perf_counter()
            saved = form.save()
            times.append((time.perf_counter() - start) * 1000)
            if not saved:
                sys.exit(f"FAILED save {i + 1}: {plain(form.message.value)}")
            # What the next reader sees, read with the loader every command uses.
            held = load_record(path).sponsor
            if held != value:
                sys.exit(f"FAILED save {i + 1}: the record holds sponsor {held!r}, not {value!r}")
    print(f"example={example} runs={runs}")
    print(f"save_to_verdict_ms median={statistics.median(times):.1f} max={max(times):.1f}")


if __name__ == "__main__":
    main()
