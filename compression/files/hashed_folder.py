"""A bounded folder of files named by their hash, the least recently used removed first.

The store of shared models (:mod:`compression.files.model_store`) and the store of long
lessons (:mod:`compression.lessons.store`) both keep ``<sha256 hex><suffix>`` files in one
folder. A file's modification time is when it was last stored or read (:func:`touch`);
when a new file passes a bound (files or bytes in all), :func:`evict` removes the least
recently used ones first, never the one just stored. Only regular files whose names are a
key plus the suffix count: temporary files and anything else are left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path

KEY_LENGTH = 64  # hex digits of a SHA-256
_KEY = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}", re.ASCII)


def is_hash_key(text: object) -> bool:
    """True for exactly 64 lowercase hex digits (nothing else may name a stored file)."""
    return isinstance(text, str) and _KEY.fullmatch(text) is not None


def entries(folder: Path, suffix: str) -> list[tuple[Path, os.stat_result]]:
    """(path, status) of every stored regular file, least recently used first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        if not (name.endswith(suffix) and is_hash_key(name.removesuffix(suffix))):
            continue  # temporary files and anything else are not entries
        path = Path(folder) / name
        try:
            status = os.lstat(path)
        except OSError:  # removed meanwhile by another process
            continue
        if stat.S_ISREG(status.st_mode):
            found.append((path, status))
    return sorted(found, key=lambda entry: (entry[1].st_mtime_ns, entry[0].name))


def evict(folder: Path, suffix: str, max_files: int, max_bytes: int, keep: Path) -> None:
    """Remove the least recently used files until both bounds hold (never ``keep``)."""
    stored = entries(folder, suffix)
    count, total = len(stored), sum(status.st_size for _, status in stored)
    for path, status in stored:
        if count <= max_files and total <= max_bytes:
            return
        if path == keep:
            continue
        path.unlink(missing_ok=True)  # another process may have removed it first
        count, total = count - 1, total - status.st_size


def touch(path: Path) -> None:
    """Mark ``path`` as used now (its modification time orders the eviction)."""
    now = time.time_ns()
    with contextlib.suppress(OSError):  # removed by another process meanwhile: nothing to mark
        os.utime(path, ns=(now, now), follow_symlinks=False)
