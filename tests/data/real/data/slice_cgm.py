"""Copy a verbatim slice of a real CSV whose rows end in CRLF but whose last row ends in LF.

Usage: python slice_cgm.py WHEEL OUT_CSV
WHEEL is bokeh_sampledata-2026.1-py3-none-any.whl (PyPI); the file inside it is
``bokeh_sampledata/_data/CGM.csv.gz`` (public domain, see bokeh_sampledata/glucose.py).
The slice is the header line and the file's last 200 lines, byte for byte: no line is
changed, only the lines between are left out. Prints what it checked.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import zipfile
from pathlib import Path

MEMBER = "bokeh_sampledata/_data/CGM.csv.gz"
TAIL = 200


def main(wheel: Path, out: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        packed = z.read(MEMBER)
    data = gzip.decompress(packed)
    lines = data.splitlines(keepends=True)  # keeps each line's own b"\r\n" or b"\n"
    piece = b"".join([lines[0], *lines[-TAIL:]])
    assert data.startswith(lines[0]) and data.endswith(b"".join(lines[-TAIL:]))
    out.write_bytes(piece)
    print(f"wheel sha256 {hashlib.sha256(wheel.read_bytes()).hexdigest()}")
    print(f"{MEMBER}: {len(data)} bytes, {len(lines)} lines, {endings(data)}")
    first = len(lines) - TAIL + 1
    print(
        f"{out.name}: {len(piece)} bytes, {len(piece.splitlines())} lines "
        f"(line 1 and lines {first}..{len(lines)} of the original), {endings(piece)}, "
        f"sha256 {hashlib.sha256(piece).hexdigest()}"
    )


def endings(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    return f"{crlf} lines end CRLF, {lf} end LF, {cr} end CR alone"


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
