"""File-system safety: what the workbook writes, a shared folder cannot redirect.

The batch runs from cron, often as root, on output folders other people can
write. Anyone who can write a folder can plant a symbolic link (or a hard link,
or a folder) at a name the workbook is about to write, hoping it writes
elsewhere. So:

- a file that is replaced is written atomically: a temporary file created with
  ``O_EXCL`` beside it (never through a link), then renamed over the name (a
  rename replaces a link, never its target); a link at the name is refused;
- a file that is appended to or locked is opened with ``O_NOFOLLOW``, and must
  then be a regular file with no other name (``st_nlink == 1``): a planted hard
  link to another file is refused too;
- a folder below the one the user named is opened with ``O_NOFOLLOW`` relative
  to its parent's descriptor, so it cannot be swapped for a link mid-way.

The folder the user names (``-o OUT``, a record's folder) may itself be a link:
the user chose it. A link planted *inside* it is refused.

Every ``OSError`` becomes one ``UsageError`` line naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from workbook.errors import UsageError

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

#: Said of a link planted in a folder others can write.
PLANTED = "a plain file; remove the link, which anyone who can write this folder could plant"
#: Said of a FIFO, a device or a hard link put at a file's name.
PUT_THERE = (
    "a plain file of its own; move this away, as anyone who can write this folder could put it"
)


_FOLDER_PATH = "a folder path; check -o"
#: What an error number means here, as (problem, what to do); ``{doing}`` is filled in.
_FAULTS: dict[int, tuple[str, str | None]] = {
    errno.EACCES: (
        "cannot {doing} here: permission denied",
        "a folder you can write; check its owner and permissions",
    ),
    errno.EROFS: ("cannot {doing} here: read-only file system", "a writable folder"),
    errno.EISDIR: (
        "cannot {doing}: a folder sits where a file goes",
        "a file name; move the folder away",
    ),
    errno.ENOTDIR: ("cannot {doing}: part of this path is a file, not a folder", _FOLDER_PATH),
    # The system's own words for a full disk or quota, as the user may search for them.
    errno.ENOSPC: ("cannot {doing}: {reason}", "free some space and run again"),
    errno.EDQUOT: ("cannot {doing}: {reason}", "free some space and run again"),
}
_FAULTS[errno.EPERM] = _FAULTS[errno.EACCES]


def cannot(exc: OSError, path: str | Path, doing: str = "write") -> UsageError:
    """One line for ``exc`` met while ``doing`` something at ``path``, and what to do."""
    where = str(path)
    if exc.errno == errno.ELOOP or (isinstance(exc, FileExistsError) and _is_link(where)):
        return UsageError(
            f"is a symbolic link; refusing to {doing} through it", path=where, expected=PLANTED
        )
    if isinstance(exc, FileExistsError) and not Path(where).is_dir():
        return UsageError(
            f"cannot {doing}: a file sits where a folder goes", path=where, expected=_FOLDER_PATH
        )
    if exc.errno in _FAULTS:
        problem, expected = _FAULTS[exc.errno]
        reason = exc.strerror or os.strerror(exc.errno)
        return UsageError(problem.format(doing=doing, reason=reason), path=where, expected=expected)
    return UsageError(f"cannot {doing}: {exc.strerror or exc}", path=where)


def _is_link(path: str | Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_link(path: Path) -> None:
    """Refuse a symbolic link at ``path`` (nothing there, or anything else, is fine)."""
    if _is_link(path):
        raise UsageError("is a symbolic link; refusing to use it", path=path, expected=PLANTED)


def make_folder(path: Path) -> Path:
    """``path`` as an existing folder (made with its parents if missing), or one line why not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # The part of the path that failed: a file in the way is named, not its child.
        raise cannot(exc, exc.filename or path, "make a folder") from None
    if not path.is_dir():  # mkdir(exist_ok) accepts nothing else, but a race could swap it
        raise UsageError("is not a folder", path=path, expected="a folder path; check -o")
    return path


def writable_folder(path: Path) -> Path:
    """``path`` as a folder this process can create files in (made if missing), or one line.

    Asked before any work, so that a read-only output folder stops a run at once rather
    than after every dossier was rendered.
    """
    with _folder(path, None) as fd:
        try:
            os.unlink(_temporary(fd, "write-test"), dir_fd=fd)
        except OSError as exc:
            raise cannot(exc, path) from None
    return path


def _checked(fd: int, path: Path) -> int:
    """``fd`` if it is a regular file with one name; else closed, and refused."""
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_nlink != 1:
        problem = f"has {info.st_nlink} names (a hard link); refusing to write through it"
    if problem:
        os.close(fd)
        raise UsageError(problem, path=path, expected=PUT_THERE)
    if _NONBLOCK:  # only there so that a planted FIFO cannot hang the open
        os.set_blocking(fd, True)
    return fd


def open_nofollow(path: Path, flags: int, mode: int = 0o644) -> int:
    """A descriptor on ``path``, never through a link at it, checked to be a plain file."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC | _NONBLOCK, mode)
    except OSError as exc:
        with contextlib.suppress(OSError):
            kind = os.lstat(path).st_mode
            if not (stat.S_ISREG(kind) or stat.S_ISLNK(kind) or stat.S_ISDIR(kind)):
                # A FIFO without a reader answers ENXIO to a non-blocking open for writing.
                raise UsageError("is not a regular file", path=path, expected=PUT_THERE) from None
        raise cannot(exc, path, "open a file") from None
    return _checked(fd, path)


def open_appending(path: Path) -> IO[str]:
    """``path`` opened to append UTF-8 text (created if missing), never through a link."""
    make_folder(path.parent)
    fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    return os.fdopen(fd, "a", encoding="utf-8")


def open_updating(path: Path) -> IO[str]:
    """``path`` opened to read and rewrite (created if missing), never through a link."""
    make_folder(path.parent)
    fd = open_nofollow(path, os.O_RDWR | os.O_CREAT)
    return os.fdopen(fd, "r+", encoding="utf-8")


def read_nofollow(path: Path) -> str | None:
    """The UTF-8 text of ``path``, or None when it is missing, unreadable or a link."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return f.read().decode("utf-8", errors="replace")


@contextlib.contextmanager
def _folder(path: Path, base: Path | None, *, make: bool = True) -> Iterator[int]:
    """A descriptor on the folder ``path``, made if missing.

    ``base``: the folder the user named (followed if it is a link); every folder
    below it is opened with ``O_NOFOLLOW`` relative to its parent, so none can be a
    link, not even one swapped in while this runs. ``make=False``: a missing folder
    raises FileNotFoundError.
    """
    base = base if base is not None else path
    try:
        below = path.relative_to(base).parts
    except ValueError:
        below, base = (), path
    if make:
        make_folder(base)
    try:
        fd = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise cannot(exc, base, "open the folder") from None
    try:
        here = base
        for part in below:
            here = here / part
            try:
                if make:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                if make:
                    raise cannot(FileNotFoundError(errno.ENOENT, "missing"), here) from None
                raise
            except OSError as exc:
                if _is_link(here):
                    raise UsageError(
                        "is a symbolic link; refusing to write through it",
                        path=here,
                        expected="a plain folder; remove the link, which anyone who can "
                        "write this folder could plant",
                    ) from None
                raise cannot(exc, here, "write") from None
            os.close(fd)
            fd = inner
        yield fd
    finally:
        os.close(fd)


def _temporary(fd: int, name: str) -> str:
    """A new file beside ``name`` in folder ``fd``: ``O_EXCL`` never opens an existing name."""
    for _ in range(100):
        tmp = f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(
                os.open(
                    tmp,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                    0o600,
                    dir_fd=fd,
                )
            )
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", name)


def atomic_write(
    path: Path, write: Callable[[Any], None], *, binary: bool = False, base: Path | None = None
) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``.

    A crash mid-write leaves the old file intact; readers never see half a file. A
    link at ``path`` is refused (the old target stays as it was), as is a link for
    any folder between ``base`` (default: ``path``'s folder) and ``path``. Any
    ``OSError`` becomes one ``UsageError`` line naming the path; the old file is intact.
    """
    name = path.name
    with _folder(path.parent, base) as fd:
        tmp = None
        try:
            try:
                old = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                old = None
            if old is not None and stat.S_ISLNK(old.st_mode):
                raise UsageError(
                    "is a symbolic link; refusing to write through it", path=path, expected=PLANTED
                )
            if old is not None and stat.S_ISDIR(old.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
            tmp = _temporary(fd, name)
            handle = os.open(tmp, os.O_WRONLY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            # Keep an existing file's mode, else the usual 0644 (the temporary file is 0600).
            os.fchmod(handle, old.st_mode & 0o777 if old is not None else 0o644)
            f = os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8")
            with f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            tmp = None
        except OSError as exc:
            raise cannot(exc, path) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=fd)


def atomic_write_text(path: Path, text: str, *, base: Path | None = None) -> None:
    """Atomically replace ``path`` with ``text`` as UTF-8, byte for byte (no newline changes)."""
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data), binary=True, base=base)


def atomic_create_text(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` atomically; refuse if it already exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror}", path=path.parent) from None
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # link() fails if the target exists, a link included (it is not followed): no
        # window in which another writer, or a planted link's target, is overwritten.
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(
            "file already exists", path=path, expected="a new name, or edit the existing record"
        ) from None
    except OSError as exc:
        raise cannot(exc, path) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def remove(path: Path, *, base: Path | None = None) -> None:
    """Remove the file ``path`` if it is there (a link is removed, never its target)."""
    with contextlib.suppress(FileNotFoundError), _folder(path.parent, base, make=False) as fd:
        try:
            os.unlink(path.name, dir_fd=fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise cannot(exc, path, "remove a file") from None


def editable_target(path: Path) -> Path:
    """Where a save of the file ``path`` goes: itself, or the file its link points to.

    Replacing a link by a copy would silently fork the record, so a save replaces
    the link's target, atomically, and keeps the link: but only a target inside the
    folder that holds the link. A link out of it is refused, since anyone who can
    write the folder could have planted it to make the save overwrite a file elsewhere.
    """
    if not _is_link(path):
        return path
    target = Path(os.path.realpath(path))
    home = Path(os.path.realpath(path.parent))
    if not target.is_relative_to(home):
        raise UsageError(
            f"is a symbolic link to {target}, outside its folder; refusing to save through it",
            path=path,
            expected="edit the file it points to, or replace the link with a copy",
        )
    return target


__all__ = [
    "PLANTED",
    "PUT_THERE",
    "atomic_create_text",
    "atomic_write",
    "atomic_write_text",
    "cannot",
    "editable_target",
    "make_folder",
    "open_appending",
    "open_nofollow",
    "open_updating",
    "read_nofollow",
    "refuse_link",
    "remove",
    "writable_folder",
]
