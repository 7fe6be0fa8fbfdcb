"""Hostile or broken files: each is refused with one clear sentence, nothing runs,
nothing big is allocated and nothing is written."""

import dataclasses
import io
import pathlib
import pickle
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
import torch

from compression.cli import main
from compression.compress import compress
from compression.files.checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_VERSION,
    Checkpoint,
    CheckpointError,
    checkpoint_bytes,
)
from compression.files.compact_format import (
    MAGIC,
    CompactFormatError,
    LayerRecord,
    load_compact,
    pack_header,
)
from compression.files.export import encode_layer, export_bytes
from compression.files.model_file import load_model_file
from compression.models import build_model, layer_names_for
from compression.settings import CompressionSettings

MLP_LAYERS = layer_names_for("mlp")


class CreatesFileWhenUnpickled:
    """Unpickling this calls ``Path(marker).touch()``: code from the file would run."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.fixture(scope="module")
def mlp_state():
    state = {k: v.detach() for k, v in build_model("mlp", seed=1).state_dict().items()}
    settings = CompressionSettings(prune_sparsity=0.9, binarize_threshold=0.0)
    return compress(state, MLP_LAYERS, settings).state


@pytest.fixture(scope="module")
def compact_file(mlp_state):
    return export_bytes("mlp", mlp_state, CompressionSettings(prune_sparsity=0.9))


def records_of(state: dict) -> tuple[list[LayerRecord], bytes]:
    layers = [
        encode_layer(name, state[f"{name}.weight"], state[f"{name}.bias"]) for name in MLP_LAYERS
    ]
    return [layer.record for layer in layers], b"".join(layer.streams for layer in layers)


def assert_one_sentence(error: Exception) -> None:
    text = str(error)
    assert text and "\n" not in text and "Traceback" not in text


def test_a_pickle_that_would_run_code_really_does_so_when_unpickled(tmp_path):
    # the positive control: the payload below is live, so refusing it matters
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(CreatesFileWhenUnpickled(control)))
    assert control.exists()


def test_a_raw_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    hostile = tmp_path / "model.pt"
    hostile.write_bytes(pickle.dumps(CreatesFileWhenUnpickled(marker)))
    with pytest.raises(CheckpointError, match="not a model file") as caught:
        load_model_file(hostile)
    assert not marker.exists()
    assert_one_sentence(caught.value)


def test_a_torch_checkpoint_carrying_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "model": "mlp",
        "state_dict": {"fc1.weight": CreatesFileWhenUnpickled(marker)},
        "metadata": {},
    }
    torch.save(payload, buffer)
    with pytest.raises(CheckpointError, match="refused") as caught:
        load_model_file(buffer.getvalue(), name="upload.pt")
    assert not marker.exists()
    assert_one_sentence(caught.value)


@pytest.mark.parametrize("fraction", [0.0, 0.002, 0.004, 0.5, 0.999])
def test_truncated_compact_files_are_refused(compact_file, fraction):
    cut = compact_file[: int(len(compact_file) * fraction)]
    with pytest.raises(CheckpointError) as caught:
        load_model_file(cut)
    assert_one_sentence(caught.value)


def test_compact_file_cut_anywhere_in_its_header_is_refused(compact_file):
    header = load_compact(compact_file).metadata["header_bytes"]
    for cut in range(len(MAGIC), header + 2):
        with pytest.raises(CompactFormatError, match="truncated"):
            load_compact(compact_file[:cut])


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.1, 0.5, 0.99])
def test_truncated_checkpoints_are_refused(mlp_state, fraction):
    payload = checkpoint_bytes(Checkpoint("mlp", mlp_state, {}))
    with pytest.raises(CheckpointError) as caught:
        load_model_file(payload[: int(len(payload) * fraction)])
    assert_one_sentence(caught.value)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_are_refused(seed):
    noise = np.random.default_rng(seed).bytes(1000 * (seed + 1))
    with pytest.raises(CheckpointError, match="not a model file"):
        load_model_file(noise)
    with pytest.raises(CompactFormatError):
        load_model_file(MAGIC + noise)


def test_random_damage_to_a_compact_file_loads_or_is_refused_cleanly(compact_file):
    # every byte can be hit; any outcome but a clean refusal or a valid model is a bug
    rng = np.random.default_rng(0)
    refused = 0
    for _ in range(300):
        damaged = bytearray(compact_file)
        for index in rng.integers(0, len(damaged), size=rng.integers(1, 4)):
            damaged[index] = int(rng.integers(0, 256))
        try:
            loaded = load_compact(bytes(damaged))
        except CompactFormatError as error:
            assert_one_sentence(error)
            refused += 1
        else:
            assert all(bool(torch.isfinite(t).all()) for t in loaded.state.values())
    assert refused > 0


def test_a_newer_format_version_is_refused(compact_file):
    newer = compact_file[:4] + bytes([3]) + compact_file[5:]
    with pytest.raises(CompactFormatError, match="version 3 is not supported"):
        load_compact(newer)


def test_an_unknown_model_name_is_refused(mlp_state):
    records, streams = records_of(mlp_state)
    with pytest.raises(CompactFormatError, match="unknown model 'resnet'"):
        load_compact(pack_header("resnet", "mnist", b"", records) + streams)


def test_layer_shapes_that_differ_from_the_model_are_refused(mlp_state):
    records, streams = records_of(mlp_state)
    records[0] = dataclasses.replace(records[0], shape=(784, 300))
    with pytest.raises(CompactFormatError, match=r"fc1 has shape \(784, 300\)"):
        load_compact(pack_header("mlp", "mnist", b"", records) + streams)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"shape": (10**6, 10**6)}, "shape"),  # 10^12 weights
        ({"stored": 2**32 - 1}, "stored weights"),
        ({"position_bytes": 2**32 - 1}, "positions do not fit"),
        ({"scales": 2**32 - 1}, "scales"),
    ],
)
def test_a_header_claiming_huge_counts_is_refused_before_allocating(mlp_state, change, reason):
    records, streams = records_of(mlp_state)
    records[0] = dataclasses.replace(records[0], **change)
    payload = pack_header("mlp", "mnist", b"", records) + streams
    tracemalloc.start()
    try:
        with pytest.raises(CompactFormatError, match=reason):
            load_compact(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_compressed_weights_that_unpack_beyond_the_header_are_refused(mlp_state):
    records, _ = records_of(mlp_state)
    bomb = zlib.compress(bytes(64 * 2**20), 9)  # 64 MiB of zeros in about 64 KB
    payload = pack_header("mlp", "mnist", b"", records, compressor="zlib") + bomb
    tracemalloc.start()
    try:
        with pytest.raises(CompactFormatError, match="does not unpack"):
            load_compact(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_a_checkpoint_zip_that_unpacks_beyond_the_limit_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/0", bytes(32 * 2**20))
    with pytest.raises(CheckpointError, match="unpacks to"):
        load_model_file(buffer.getvalue())


def test_settings_that_are_not_valid_json_settings_are_refused(mlp_state):
    records, streams = records_of(mlp_state)
    for settings in (b"[" * 1000, b'{"prune_sparsity": 2}', b'{"colour": 1}', b"\xff"):
        with pytest.raises(CompactFormatError, match="settings"):
            load_compact(pack_header("mlp", "mnist", settings, records) + streams)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, compact_file):
    path = tmp_path / "model.cxm"
    path.write_bytes(compact_file)
    with pytest.raises(CheckpointError, match="limit"):
        load_model_file(path, limit=len(compact_file) - 1)
    assert load_model_file(path, limit=len(compact_file)).model_name == "mlp"


@pytest.mark.parametrize("command", ["evaluate", "export"])
def test_cli_refuses_hostile_files_with_exit_2_and_one_line(tmp_path, capsys, command):
    marker = tmp_path / "ran"
    hostile = tmp_path / "model.pt"
    hostile.write_bytes(pickle.dumps(CreatesFileWhenUnpickled(marker)))
    truncated = tmp_path / "model.cxm"
    truncated.write_bytes(MAGIC + b"\x01")
    before = sorted(tmp_path.iterdir())
    for path in (hostile, truncated):
        argv = [command, "--checkpoint", str(path)]
        if command == "export":
            argv += ["--out", str(tmp_path / "out.cxm")]
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert not marker.exists()
    assert sorted(tmp_path.iterdir()) == before
