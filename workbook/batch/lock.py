"""One scheduled run per output folder at a time."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from workbook.errors import UsageError
from workbook.files import open_updating, writable_folder

LOCK_NAME = ".workbook-batch.lock"


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on OUT; a second run on the same folder stops with exit 2.

    The lock file is opened without following a link: OUT may be shared, and a link
    planted at its name would have this run truncate the file it points to.
    """
    import fcntl

    handle = open_updating(writable_folder(out_dir) / LOCK_NAME)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(200).strip() or "another process"  # the file is shared: cap it
            raise UsageError(
                f"another batch is writing here ({holder})",
                path=out_dir,
                expected="one run per output folder at a time; try again when it finishes",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"pid {os.getpid()}, started {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC\n"
        )
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process is killed
