"""Which output paths may be written: a new file or an existing regular file, nothing else.

A folder, a device (``/dev/null``), a FIFO, a socket or a symbolic link at the path is
refused, never replaced by a regular file; so is a path under a file (``README.md/x.pt``).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that must not be written; the message is one line naming the path."""


_SPECIAL_KINDS = (
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def existing_regular_file(path: Path) -> os.stat_result | None:
    """The status of the regular file at ``path``, or None if nothing is there yet.

    Raises :class:`OutputPathError` for anything else at the path. Symbolic links are
    refused rather than followed, so a link cannot send a write somewhere unexpected.
    """
    path = Path(path)
    try:
        status = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        holding_folder(path)  # refuses README.md/x.pt
        return None
    except OSError as error:
        raise OutputPathError(f"{path}: {error.strerror}") from None
    if stat.S_ISLNK(status.st_mode):
        raise OutputPathError(
            f"{path} is a symbolic link; give the path of the file it points to instead"
        )
    if stat.S_ISDIR(status.st_mode):
        raise OutputPathError(f"{path} is a folder; give a file name")
    if not stat.S_ISREG(status.st_mode):
        kind = next(
            (name for test, name in _SPECIAL_KINDS if test(status.st_mode)), "a special file"
        )
        raise OutputPathError(f"{path} is {kind}, not a regular file; give a file name")
    return status


def holding_folder(path: Path) -> Path:
    """The nearest existing folder above ``path``; a file there instead is refused.

    Folders missing between it and ``path`` are created by the write.
    """
    for parent in Path(path).parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise OutputPathError(f"{path}: {parent} is not a folder")
            return parent
    return Path(".")


def check_writable(path: Path) -> Path:
    """Return ``path`` if a file can be written there now, else raise :class:`OutputPathError`.

    Called before long work (training, a sweep), so that a bad path fails at once.
    """
    path = Path(path)
    existing_regular_file(path)
    folder = holding_folder(path)
    try:  # the one true test (permissions, a read-only disk, /proc): make a file and drop it
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".write-check-", suffix=".tmp")
    except OSError as error:
        raise OutputPathError(f"{path}: cannot write in {folder} ({error.strerror})") from None
    os.close(handle)
    os.unlink(probe)
    return path
