"""Read a model file from a path: only a regular file, and never more than a limit.

A path can name a folder, a device that never ends (``/dev/zero``), a pipe that blocks
until someone writes, or a file of ``/proc`` that fails on reading. Each is refused with a
message that says which; at most ``limit + 1`` bytes are ever read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_MODEL_FILE_BYTES = 8 * 2**20  # the largest model file read (the app states it: 8 MiB)


class UnreadableFileError(ValueError):
    """A path is missing, not a regular file, over the size limit, or fails on reading."""


def too_big(size: int, limit: int) -> str:
    """The sentence for a file over the size limit."""
    return f"{size:,} bytes is over the {limit:,}-byte limit for a model file"


def read_limited(path: Path | str, limit: int = MAX_MODEL_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``; :class:`UnreadableFileError` otherwise.

    The file is opened without blocking and checked on the open descriptor, so a path
    swapped for a pipe or a device after a check is still refused.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        raise UnreadableFileError("no such file") from None
    except IsADirectoryError:
        raise UnreadableFileError("is a folder, not a model file") from None
    except OSError as error:
        raise UnreadableFileError(f"cannot be opened ({error.strerror or error})") from None
    try:
        _check_regular(os.fstat(descriptor), limit)
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise UnreadableFileError(f"cannot be read ({error.strerror or error})") from None
    if len(data) > limit:
        raise UnreadableFileError(too_big(len(data), limit))
    return data


def _check_regular(status: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise UnreadableFileError("is a folder, not a model file")
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableFileError("is not a regular file (a device, a pipe or a socket)")
    if status.st_size > limit:
        raise UnreadableFileError(too_big(status.st_size, limit))
