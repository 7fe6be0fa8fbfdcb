"""Shared models on disk: checkpoint files kept under their content hash, so a link can name one.

A share link carries ``baseline=<key>``, where the key is the SHA-256 of the checkpoint's
bytes (64 lowercase hex digits): ``key = sha256(checkpoint_bytes(checkpoint)).hexdigest()``.
The store is a folder of ``<key>.pt`` files; it outlives the server process. It is bounded:
each file at most the upload limit, and at most ``max_files`` files and ``max_bytes`` bytes
in all; when a new file passes a bound, the least recently used files are removed (a file's
modification time is the time it was last stored or read). Writes are atomic (a temporary
file in the same folder, fsync, rename), so readers see a whole file or none, and two
processes storing the same key write the same bytes. A key from a link is checked (exactly
64 hex digits) before any path is made from it; a file read back must hash to its key and
is loaded by the safe checkpoint loader (``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from compression.data import PROJECT_ROOT
from compression.files import hashed_folder
from compression.files.checkpoint import Checkpoint, CheckpointError, atomic_write_bytes
from compression.files.hashed_folder import is_hash_key as is_model_key
from compression.files.model_file import MAX_MODEL_FILE_BYTES, load_model_file
from compression.files.output_path import OutputPathError
from compression.files.reading import UnreadableFileError, read_limited, too_big

SHARED_MODELS_ENV = "COMPRESSION_EXPLORER_SHARED_MODELS"  # the folder; tests use a tmp_path
DEFAULT_FOLDER = PROJECT_ROOT / "shared-models"  # git-ignored
MAX_FILES = 200  # files kept; an MLP checkpoint is about 1 MB
MAX_BYTES = 256 * 2**20  # bytes kept in all
SUFFIX = ".pt"


class ModelStoreError(ValueError):
    """A model could not be stored or read back; the message is one sentence."""


def model_key(data: bytes) -> str:
    """The key of a checkpoint file: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def default_folder() -> Path:
    """The folder named by ``COMPRESSION_EXPLORER_SHARED_MODELS``, else ``shared-models/``."""
    named = os.environ.get(SHARED_MODELS_ENV)
    return Path(named) if named else DEFAULT_FOLDER


@dataclass(frozen=True)
class ModelStore:
    """A bounded folder of checkpoint files named by their hash."""

    folder: Path
    max_file_bytes: int = MAX_MODEL_FILE_BYTES
    max_files: int = MAX_FILES
    max_bytes: int = MAX_BYTES

    def path(self, key: str) -> Path:
        """The file of ``key``; :class:`ModelStoreError` for anything but a model key."""
        if not is_model_key(key):
            raise ModelStoreError("not the key of a shared model (64 hex digits)")
        return Path(self.folder) / f"{key}{SUFFIX}"

    def put(self, data: bytes) -> str:
        """Store the checkpoint file ``data`` and return its key (the same bytes: the same key).

        Refuses a file over the size limit, and a path that holds anything but a regular file.
        """
        if len(data) > self.max_file_bytes:
            too_much = too_big(len(data), self.max_file_bytes)
            raise ModelStoreError(f"the model is too big to share: {too_much}")
        key = model_key(data)
        path = self.path(key)
        try:
            atomic_write_bytes(path, data)
        except OutputPathError:  # the message names server paths: a person needs the gist
            raise ModelStoreError(
                "cannot store the model: its place in the store is taken by something that "
                "is not a regular file, or the store is not a folder"
            ) from None
        except OSError as error:
            raise ModelStoreError(f"cannot store the model ({error.strerror or error})") from None
        hashed_folder.touch(path)
        self._evict(keep=path)
        return key

    def load(self, key: str) -> Checkpoint:
        """The checkpoint stored under ``key``; :class:`ModelStoreError` (one sentence) if the
        key is malformed, nothing is stored under it, or the file is damaged."""
        path = self.path(key)
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            raise ModelStoreError(
                "no model with this key is kept on this server (it may have been removed "
                "to make room for newer ones)"
            ) from None
        except OSError as error:
            raise ModelStoreError(f"the shared model cannot be read ({error.strerror})") from None
        if not stat.S_ISREG(status.st_mode):
            raise ModelStoreError("the shared model's entry is not a regular file")
        try:
            data = read_limited(path, self.max_file_bytes)
        except UnreadableFileError as error:
            raise ModelStoreError(f"the shared model cannot be read ({error})") from None
        if model_key(data) != key:
            raise ModelStoreError("the shared model's file is damaged (its hash does not match)")
        try:
            checkpoint = load_model_file(data, limit=self.max_file_bytes, name="shared model")
        except CheckpointError as error:
            raise ModelStoreError(str(error)) from None
        hashed_folder.touch(path)
        return checkpoint

    def get(self, key: str) -> Checkpoint | None:
        """The checkpoint under ``key``, or None if it cannot be had (see :meth:`load`)."""
        try:
            return self.load(key)
        except ModelStoreError:
            return None

    def keys(self) -> list[str]:
        """The stored keys, least recently used first."""
        return [path.name.removesuffix(SUFFIX) for path, _ in self._entries()]

    def _entries(self) -> list[tuple[Path, os.stat_result]]:
        return hashed_folder.entries(self.folder, SUFFIX)

    def _evict(self, keep: Path) -> None:
        hashed_folder.evict(self.folder, SUFFIX, self.max_files, self.max_bytes, keep)
