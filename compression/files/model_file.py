"""Open a model file of either kind, from a path or from uploaded bytes, within a size limit.

The first bytes decide: the compact format's magic (:mod:`compression.files.compact_format`)
or a zip archive (a ``torch.save`` checkpoint, read with ``weights_only=True``).
Anything else, or anything larger than the limit, is refused before it is parsed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from compression.files.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from compression.files.compact_format import MAGIC, MAX_FILE_BYTES, load_compact
from compression.files.quoting import shortened
from compression.files.reading import UnreadableFileError, read_limited, too_big

ZIP_MAGIC = b"PK\x03\x04"
MAX_MODEL_FILE_BYTES = MAX_FILE_BYTES  # the upload limit the app states: 8 MiB


def load_model_file(
    source: Path | str | bytes, limit: int = MAX_MODEL_FILE_BYTES, name: str | None = None
) -> Checkpoint:
    """A :class:`Checkpoint` from a compact ``.cxm`` file or a training checkpoint ``.pt``.

    ``source`` is a path or the bytes of an upload (``name`` labels the errors).
    Raises :class:`CheckpointError` (one sentence) for a missing, oversized, unknown,
    hostile or broken file; nothing from the file is ever unpickled or executed.
    """
    label, data = _read_limited(source, limit, name)
    if data.startswith(MAGIC):
        return load_compact(data, limit, label)
    if data.startswith(ZIP_MAGIC):
        _check_unpacked_size(data, limit, label)
        return load_checkpoint(data, label)
    raise CheckpointError(
        f"{label}: not a model file (neither a compact .cxm model nor a PyTorch .pt checkpoint)"
    )


def _read_limited(source: Path | str | bytes, limit: int, name: str | None) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray):
        label, data = shortened(name or "upload"), bytes(source)
        if len(data) > limit:
            raise CheckpointError(f"{label}: {too_big(len(data), limit)}")
        return label, data
    label = shortened(name or str(source))
    try:
        return label, read_limited(source, limit)
    except UnreadableFileError as error:
        raise CheckpointError(f"{label}: {error}") from None


def _check_unpacked_size(data: bytes, limit: int, label: str) -> None:
    """Refuse a zip whose members would unpack to more than ``limit`` bytes (a zip bomb)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise CheckpointError(
            f"{label}: not a readable checkpoint (broken zip: {shortened(str(error), 80)})"
        ) from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit:
        raise CheckpointError(
            f"{label}: the checkpoint unpacks to {unpacked:,} bytes, over the {limit:,}-byte limit"
        )
