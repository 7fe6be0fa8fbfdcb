"""Training checkpoints: a state dict, the model's name and metadata, saved atomically.

Files are read with ``torch.load(..., weights_only=True)``, which never runs code
from the file, then checked against the named model, and their metadata by size and type
(:mod:`compression.files.metadata`), before anything is used.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from compression.files.metadata import MetadataError, checked_metadata
from compression.files.output_path import existing_regular_file
from compression.files.quoting import quoted, shortened
from compression.files.reading import UnreadableFileError, read_limited
from compression.models import MODELS, build_model

CHECKPOINT_FORMAT = "compression-explorer/checkpoint"
CHECKPOINT_VERSION = 1


class CheckpointError(ValueError):
    """A file is not a valid checkpoint of a known model."""


@dataclass
class Checkpoint:
    """A model's weights plus what produced them."""

    model_name: str  # "mlp" or "cnn"
    state: dict[str, torch.Tensor]
    metadata: dict = field(default_factory=dict)  # seed, recipe, history, accuracy, settings


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the whole new one.

    Only a new file or an existing regular file is written (see ``output_path``); a
    replaced file keeps its permission bits. A failed write leaves the old file as it was.
    """
    path = Path(path)
    existing = existing_regular_file(path)
    mode = existing.st_mode & 0o777 if existing else 0o666 & ~_current_umask()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace_through_temporary(path, payload, mode)
    except OSError as error:  # a full disk, a denied permission: told about the path asked for
        if error.errno is None:
            raise
        raise OSError(error.errno, error.strerror, str(path)) from error  # the same subclass


def _replace_through_temporary(path: Path, payload: bytes, mode: int) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)  # mkstemp makes 0600 files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def checkpoint_bytes(checkpoint: Checkpoint) -> bytes:
    """The serialised checkpoint (a ``torch.save`` zip of plain containers and tensors)."""
    buffer = io.BytesIO()
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "model": checkpoint.model_name,
            "state_dict": {k: v.detach().contiguous() for k, v in checkpoint.state.items()},
            "metadata": checkpoint.metadata,
        },
        buffer,
    )
    return buffer.getvalue()


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically."""
    atomic_write_bytes(Path(path), checkpoint_bytes(checkpoint))


def load_checkpoint(source: Path | bytes, name: str | None = None) -> Checkpoint:
    """Read and validate a checkpoint from a path or from bytes (an upload).

    Raises :class:`CheckpointError` with one readable sentence for anything that is
    not a checkpoint of a known model with matching, finite float32 weights in memory
    and plain, bounded metadata.
    """
    label = name or (str(source) if not isinstance(source, bytes | bytearray) else "upload")
    label = shortened(label)
    if isinstance(source, bytes | bytearray):
        stream = io.BytesIO(source)
    else:
        try:
            stream = io.BytesIO(read_limited(source))
        except UnreadableFileError as error:
            raise CheckpointError(f"{label}: {error}") from None
    try:
        with warnings.catch_warnings():  # torch warns about sparse tensors: one line only
            warnings.simplefilter("ignore")
            payload = torch.load(stream, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - weights_only: nothing ran; any failure = unreadable
        blocked = [line for line in str(error).splitlines() if "GLOBAL" in line]
        if blocked:
            raise CheckpointError(
                f"{label}: refused, the file asks to load code or objects other than tensors "
                f"and plain data ({shortened(blocked[0].strip(), 160)}); nothing in it was run"
            ) from None
        raise CheckpointError(
            f"{label}: not a checkpoint file (not a readable PyTorch file of tensors and data)"
        ) from None
    return _validated(payload, label)


def _validated(payload: object, label: str) -> Checkpoint:
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"{label}: not a Compression Explorer checkpoint "
            "(make one with `python -m compression train`)"
        )
    version = payload.get("version")
    if type(version) is not int or version != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"{label}: checkpoint version {quoted(version)} is not supported "
            f"(this program reads version {CHECKPOINT_VERSION})"
        )
    model_name = payload.get("model")
    if not isinstance(model_name, str) or model_name not in MODELS:
        raise CheckpointError(
            f"{label}: unknown model {quoted(model_name)}; known: {sorted(MODELS)}"
        )
    state = payload.get("state_dict")
    expected = build_model(model_name, seed=0).state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        raise CheckpointError(f"{label}: its tensors do not match the {model_name} model")
    for key, reference in expected.items():
        problem = _tensor_problem(state[key], tuple(reference.shape), model_name)
        if problem:
            raise CheckpointError(f"{label}: {key} {problem}")
    try:
        metadata = checked_metadata(payload.get("metadata"), model_name)
    except MetadataError as error:
        raise CheckpointError(f"{label}: {error}") from None
    return Checkpoint(model_name, {k: state[k].detach().clone() for k in expected}, metadata)


def _tensor_problem(tensor: object, shape: tuple[int, ...], model_name: str) -> str | None:
    """Why ``tensor`` cannot be the model's ``shape`` weight, or None: it must be a dense
    float32 tensor in memory (not sparse, not on the meta device) of finite numbers."""
    if not isinstance(tensor, torch.Tensor):
        return f"must be a tensor, not {quoted(tensor)}"
    if tensor.layout != torch.strided or tensor.is_nested:
        return f"is a {str(tensor.layout).removeprefix('torch.')} tensor; it must be dense"
    if tensor.device.type != "cpu":
        return f"is on the {tensor.device.type} device, not in memory; it must hold numbers"
    if tuple(tensor.shape) != shape:
        found = tuple(tensor.shape) if tensor.dim() <= 8 else f"{tensor.dim()} dimensions"
        return f"has shape {found}, the {model_name} model needs {shape}"
    if tensor.dtype != torch.float32 or not bool(torch.isfinite(tensor).all()):
        return "must hold finite float32 numbers"
    return None
