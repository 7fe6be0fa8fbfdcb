"""Lessons too long for a link, kept on the server under the hash of their JSON.

``key = sha256(plan_json(plan)).hexdigest()``: the same lesson, the same key. The store is
a folder of ``<key>.json`` files, bounded like the store of shared models
(:mod:`compression.files.model_store`): each file at most :data:`MAX_JSON_BYTES`, at most
``max_files`` files and ``max_bytes`` bytes in all, the least recently used removed first
(a file's modification time is when it was last stored or read). A key from a link is
checked (64 hex digits) before a path is made from it, and a file read back must hash to
its key and is read as any lesson from a link (:func:`compression.lessons.codec.plan_from_dict`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from compression.data import PROJECT_ROOT
from compression.files import hashed_folder
from compression.files.checkpoint import atomic_write_bytes
from compression.files.hashed_folder import is_hash_key
from compression.files.output_path import OutputPathError
from compression.lessons.codec import MAX_JSON_BYTES, plan_from_dict, plan_json
from compression.lessons.schema import LessonError, LessonPlan

LESSONS_ENV = "COMPRESSION_EXPLORER_SHARED_LESSONS"  # the folder; tests use a tmp_path
DEFAULT_FOLDER = PROJECT_ROOT / "shared-lessons"  # git-ignored
MAX_FILES = 1000
MAX_BYTES = 16 * 2**20
SUFFIX = ".json"


def default_folder() -> Path:
    """The folder named by ``COMPRESSION_EXPLORER_SHARED_LESSONS``, else ``shared-lessons/``."""
    named = os.environ.get(LESSONS_ENV)
    return Path(named) if named else DEFAULT_FOLDER


def lesson_key(data: bytes) -> str:
    """The key of a lesson's JSON bytes: their SHA-256 in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LessonStore:
    """A bounded folder of lessons named by their hash."""

    folder: Path
    max_files: int = MAX_FILES
    max_bytes: int = MAX_BYTES

    def path(self, key: str) -> Path:
        """The file of ``key``; :class:`LessonError` for anything but 64 hex digits."""
        if not is_hash_key(key):
            raise LessonError("not the key of a stored lesson (64 hex digits)")
        return Path(self.folder) / f"{key}{SUFFIX}"

    def put(self, plan: LessonPlan) -> str:
        """Store ``plan`` (checked) and return its key."""
        data = plan_json(plan)
        if len(data) > MAX_JSON_BYTES:
            raise LessonError(f"the lesson is larger than {MAX_JSON_BYTES:,} bytes")
        key = lesson_key(data)
        path = self.path(key)
        try:
            atomic_write_bytes(path, data)
        except (OutputPathError, OSError):
            raise LessonError("the lesson could not be kept on this server") from None
        hashed_folder.touch(path)
        self._evict(keep=path)
        return key

    def load(self, key: str) -> tuple[LessonPlan, list[str]]:
        """The lesson under ``key`` and its notes; :class:`LessonError` (one sentence) if the
        key is malformed, nothing is kept under it, or the file is damaged."""
        path = self.path(key)
        try:
            status = os.lstat(path)
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_JSON_BYTES:
                raise LessonError("the stored lesson's entry is not a lesson file")
            data = path.read_bytes()
        except FileNotFoundError:
            raise LessonError(
                "no lesson with this key is kept on this server (it may have been removed "
                "to make room for newer ones)"
            ) from None
        except OSError:
            raise LessonError("the stored lesson cannot be read") from None
        if lesson_key(data) != key:
            raise LessonError("the stored lesson is damaged (its hash does not match)")
        try:
            payload = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise LessonError("the stored lesson is damaged") from None
        hashed_folder.touch(path)
        return plan_from_dict(payload)

    def _evict(self, keep: Path) -> None:
        hashed_folder.evict(self.folder, SUFFIX, self.max_files, self.max_bytes, keep)
