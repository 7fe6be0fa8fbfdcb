"""Image classification data sets in IDX format (MNIST, Fashion-MNIST), verified and decoded once.

The four gzipped IDX files of a data set live in one folder, next to a
``RAW_SHA256SUMS`` file that lists the SHA-256 of each *decompressed* file.
Loading checks every file against its sum, so a missing, truncated or altered
file fails with a message that names it and says how to restore it. Each file is
decompressed into a private temporary folder laid out as torchvision expects
(``<root>/MNIST/raw/``), never past the size its shape gives, and read from there
by ``torchvision.datasets.MNIST`` / ``FashionMNIST`` (never downloading).

A data set may also be found in other folders (a system package, a torchvision
download); they are searched in order after the bundled one, and their files are
checked against the bundled ``RAW_SHA256SUMS`` when they have no list of their own.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.datasets import MNIST, FashionMNIST

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT = PROJECT_ROOT / "data"

SPLIT_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
# Both data sets share MNIST's layout: 60,000 training and 10,000 test images of 28x28.
SPLIT_SHAPES = {
    "train_images": (60000, 28, 28),
    "train_labels": (60000,),
    "test_images": (10000, 28, 28),
    "test_labels": (10000,),
}
SUMS_FILE = "RAW_SHA256SUMS"

# Training-set pixel statistics of MNIST on a 0..1 scale (a well-known fact of the data).
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

_IDX_UINT8 = 0x08
_SUMS_LINE = re.compile(r"(?P<digest>[0-9a-fA-F]{64})\s+\*?(?P<name>\S+)")
_CHUNK = 1 << 20  # bytes decompressed at a time


class DataFileError(RuntimeError):
    """A data file is missing, truncated, corrupted or not in IDX format."""


@dataclass(frozen=True)
class DatasetSpec:
    """Where a data set lives and how to restore it."""

    name: str  # short name used everywhere (CLI, URL, UI)
    title: str  # what a person reads
    folder: Path  # folder with the four .gz files and RAW_SHA256SUMS
    class_names: tuple[str, ...]  # label index -> readable name
    restore_hint: str  # one sentence: how to get the files back
    other_folders: tuple[Path, ...] = ()  # searched in order when ``folder`` lacks the files
    reader: type[MNIST] = MNIST  # the torchvision data set class that reads the IDX files


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST handwritten digits",
        folder=DATA_ROOT / "mnist",
        class_names=tuple(str(d) for d in range(10)),
        restore_hint="restore the bundled files with `git checkout -- data/mnist/`",
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST clothing images (Zalando)",
        folder=DATA_ROOT / "fashion-mnist",
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        restore_hint=(
            "restore the bundled files with `git checkout -- data/fashion-mnist/`, "
            "or install them with `apt-get install dataset-fashion-mnist`"
        ),
        other_folders=(
            Path("/usr/share/datasets/fashion-mnist"),  # Debian package dataset-fashion-mnist
            DATA_ROOT / "FashionMNIST" / "raw",  # torchvision.datasets.FashionMNIST(root="data")
        ),
        reader=FashionMNIST,
    ),
}


@dataclass(frozen=True)
class Dataset:
    """A decoded data set: images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64."""

    name: str
    train_images: torch.Tensor  # (60000, 1, 28, 28)
    train_labels: torch.Tensor  # (60000,)
    test_images: torch.Tensor  # (10000, 1, 28, 28)
    test_labels: torch.Tensor  # (10000,)
    class_names: tuple[str, ...]


def _data_file_error(path: Path, reason: str, restore_hint: str) -> DataFileError:
    return DataFileError(f"data file {path} {reason}; {restore_hint}.")


def _sums_error(path: Path, reason: str, restore_hint: str) -> DataFileError:
    return DataFileError(f"checksum list {path} {reason}; {restore_hint}.")


def read_checksums(sums_path: Path, restore_hint: str) -> dict[str, str]:
    """Parse a ``sha256sum`` listing into {file name: hex digest}.

    Every non-empty line must read ``<64 hex digits> <file name>`` (``*`` before the name
    allowed); anything else, or bytes that are not text, is an error naming the list.
    """
    if not sums_path.is_file():
        raise _sums_error(sums_path, "is missing", restore_hint)
    try:
        text = sums_path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise _sums_error(sums_path, "is not a text file", restore_hint) from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _SUMS_LINE.fullmatch(line.strip())
        if match is None or match["name"] in sums:
            reason = f"line {number} is not '<SHA-256> <file name>' once per file"
            raise _sums_error(sums_path, reason, restore_hint)
        sums[match["name"]] = match["digest"].lower()
    return sums


def _raw_name(gz_name: str) -> str:
    return gz_name.removesuffix(".gz")


def idx_header(shape: tuple[int, ...]) -> bytes:
    """The header of an IDX file of unsigned bytes with this shape.

    IDX layout: 2 zero bytes, a type byte (0x08 = uint8), a rank byte, then one
    big-endian uint32 per dimension, then the data in C order.
    """
    dims = b"".join(size.to_bytes(4, "big") for size in shape)
    return bytes((0, 0, _IDX_UINT8, len(shape))) + dims


def _inflated_chunks(gz_path: Path, limit: int, restore_hint: str) -> Iterator[bytes]:
    """The decompressed bytes of ``gz_path`` in chunks; more than ``limit`` bytes is an error.

    Reading stops one byte past ``limit``, so a file that would inflate to far more
    (a gzip bomb) is refused without being inflated in full.
    """
    size = 0
    try:
        with gzip.open(gz_path, "rb") as source:
            while chunk := source.read(min(_CHUNK, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    reason = f"is corrupted (it decompresses to more than {limit:,} bytes)"
                    raise _data_file_error(gz_path, reason, restore_hint)
                yield chunk
    except (OSError, EOFError, zlib.error) as error:
        reason = f"is truncated or not a gzip file ({error})"
        raise _data_file_error(gz_path, reason, restore_hint) from None


def decompress_verified(
    gz_path: Path, target: Path, expected_sha256: str, shape: tuple[int, ...], restore_hint: str
) -> None:
    """Decompress ``gz_path`` into ``target`` and check it is the IDX file its sum names.

    At most header + prod(shape) bytes are decompressed (the size of an IDX file
    of ``shape``); the result must match ``expected_sha256`` and that header.
    """
    if not gz_path.is_file():
        raise _data_file_error(gz_path, "is missing", restore_hint)
    header = idx_header(shape)
    expected_size = len(header) + math.prod(shape)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as sink:
        for chunk in _inflated_chunks(gz_path, expected_size, restore_hint):
            digest.update(chunk)
            sink.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != expected_sha256:
        reason = f"is corrupted (its SHA-256 does not match {SUMS_FILE})"
        raise _data_file_error(gz_path, reason, restore_hint)
    with target.open("rb") as written:
        found_header = written.read(len(header))
    if found_header != header or size != expected_size:
        reason = f"is not an IDX file of unsigned bytes of shape {shape}"
        raise _data_file_error(gz_path, reason, restore_hint)


def _has_all_files(folder: Path) -> bool:
    return all((folder / gz_name).is_file() for gz_name in SPLIT_FILES.values())


def locate_dataset(name: str) -> Path:
    """The first folder of the data set's search order that holds all four IDX files.

    When none does, the bundled folder, so that loading names the missing file.
    """
    spec = DATASETS[name]
    found = [f for f in (spec.folder, *spec.other_folders) if _has_all_files(f)]
    return found[0] if found else spec.folder


def missing_dataset_note(name: str) -> str | None:
    """None when the data set's files are on this machine, else how to get them."""
    spec = DATASETS[name]
    if any(_has_all_files(f) for f in (spec.folder, *spec.other_folders)):
        return None
    return f"{spec.title} is not on this machine; {spec.restore_hint}."


def _checksums_for(spec: DatasetSpec, folder: Path) -> dict[str, str]:
    """The folder's own checksum list, else the bundled one; every split must be listed."""
    has_own_sums = (folder / SUMS_FILE).is_file() or folder == spec.folder
    sums_path = (folder if has_own_sums else spec.folder) / SUMS_FILE
    sums = read_checksums(sums_path, spec.restore_hint)
    for gz_name in SPLIT_FILES.values():
        if _raw_name(gz_name) not in sums:
            reason = f"has no line for {_raw_name(gz_name)}"
            raise _sums_error(sums_path, reason, spec.restore_hint)
    return sums


@functools.lru_cache(maxsize=4)
def load_dataset(name: str, folder: Path | None = None) -> Dataset:
    """Load and verify a data set once per process; later calls return the same tensors.

    Images are scaled to [0, 1] (pixel / 255) with shape (N, 1, 28, 28).
    Callers must treat the returned tensors as read-only: they are shared.
    Without ``folder`` the files come from :func:`locate_dataset`'s search order.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]
    folder = locate_dataset(name) if folder is None else Path(folder)
    sums = _checksums_for(spec, folder)
    with tempfile.TemporaryDirectory(prefix="idx-") as scratch:
        raw_folder = Path(scratch, spec.reader.__name__, "raw")  # where torchvision looks
        raw_folder.mkdir(parents=True)
        for split, gz_name in SPLIT_FILES.items():
            raw_name = _raw_name(gz_name)
            decompress_verified(
                folder / gz_name,
                raw_folder / raw_name,
                sums[raw_name],
                SPLIT_SHAPES[split],
                spec.restore_hint,
            )
        train = spec.reader(scratch, train=True, download=False)
        test = spec.reader(scratch, train=False, download=False)

    def images(pixels: torch.Tensor) -> torch.Tensor:
        return pixels.unsqueeze(1).float().div_(255.0)

    return Dataset(
        name=name,
        train_images=images(train.data),
        train_labels=train.targets,
        test_images=images(test.data),
        test_labels=test.targets,
        class_names=spec.class_names,
    )


def subset(images: torch.Tensor, labels: torch.Tensor, count: int | None, seed: int = 0):
    """The first ``count`` examples of a fixed random permutation (all when count is None)."""
    if count is None or count >= len(labels):
        return images, labels
    if count <= 0:
        raise ValueError(f"a subset needs at least one example, got {count}")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:count]
    return images[order], labels[order]
