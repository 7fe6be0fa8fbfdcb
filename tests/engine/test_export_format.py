"""The compact file: it loads back to the very same weights and predictions, and its
size is the size accounting's plus a small header."""

import pytest
import torch

from compression.compress import compress
from compression.data import load_dataset, subset
from compression.files.checkpoint import load_checkpoint
from compression.files.compact_format import MAGIC, load_compact, pack_header, settings_json
from compression.files.export import (
    compact_download,
    encode_layer,
    export_bytes,
    float32_download,
)
from compression.files.model_file import load_model_file
from compression.models import build_model, layer_names_for, module_for
from compression.settings import CompressionSettings
from compression.size import size_table
from compression.train import TrainConfig, evaluate, train

MLP_LAYERS = layer_names_for("mlp")
SETTINGS = {
    "identity": CompressionSettings(),
    "pruned 90%": CompressionSettings(prune_sparsity=0.9),
    "pruned global 95%": CompressionSettings(prune_sparsity=0.95, prune_scope="global"),
    "binary": CompressionSettings(binarize_threshold=0.0),
    "ternary per channel": CompressionSettings(binarize_threshold=0.7, per_channel=True),
    "pruned + binary": CompressionSettings(prune_sparsity=0.92, binarize_threshold=0.0),
    "neurons 50%": CompressionSettings(prune_sparsity=0.5, prune_structure="neurons"),
    "fc2 ternary only": CompressionSettings(binarize_threshold=0.7, layers=("fc2",)),
}


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist")


@pytest.fixture(scope="module")
def trained_mlp(mnist):
    images, labels = subset(mnist.train_images, mnist.train_labels, 2000, seed=0)
    return train("mlp", images, labels, TrainConfig(epochs=1, train_subset=2000)).state


@pytest.fixture(scope="module", params=list(SETTINGS))
def exported(request, trained_mlp):
    """(settings, compressed weights, compact file) for each of SETTINGS."""
    settings = SETTINGS[request.param]
    state = compress(trained_mlp, MLP_LAYERS, settings).state
    return settings, state, export_bytes("mlp", state, settings)


def header_bound(layers: int, settings: CompressionSettings | None) -> int:
    """Preamble + names (< 64 bytes) and at most 40 bytes per layer, plus the settings."""
    return 64 + 40 * layers + len(settings_json(settings))


def test_file_size_is_the_size_accounting_plus_a_small_header(exported):
    settings, state, payload = exported
    accounted = int(size_table(state, MLP_LAYERS)["compressed_bytes"].sum())
    header = load_compact(payload).metadata["header_bytes"]
    assert len(payload) == accounted + header
    assert 0 < header <= header_bound(len(MLP_LAYERS), settings)


def test_loaded_file_predicts_exactly_like_the_compressed_model(exported, mnist):
    _, state, payload = exported
    loaded = load_compact(payload)
    assert loaded.model_name == "mlp"
    for key, tensor in state.items():
        assert loaded.state[key].dtype == torch.float32
        assert torch.equal(loaded.state[key], tensor), key
    module = module_for("mlp")
    in_memory = evaluate(module, state, mnist.test_images, mnist.test_labels)
    from_file = evaluate(module, loaded.state, mnist.test_images, mnist.test_labels)
    assert torch.equal(from_file.predictions, in_memory.predictions)
    assert from_file.accuracy == in_memory.accuracy


def test_header_records_model_data_set_and_settings(trained_mlp):
    settings = SETTINGS["ternary per channel"]
    state = compress(trained_mlp, MLP_LAYERS, settings).state
    payload = export_bytes("mlp", state, settings)
    assert payload.startswith(MAGIC)
    metadata = load_compact(payload).metadata
    assert metadata["dataset"] == "mnist"
    assert metadata["compression"] == settings.to_dict()
    assert metadata["compressor"] == "none"
    assert metadata["file_bytes"] == len(payload)
    assert load_compact(export_bytes("mlp", state, None)).metadata["compression"] is None


@pytest.mark.parametrize(
    ("values", "positions", "delta_width"),
    [
        ("float32", "dense", None),
        ("float32", "bitmask", None),
        ("float32", "csr", None),
        ("float32", "delta", 3),
        ("sign", "bitmask", None),
        ("sign", "csr", None),
        ("sign", "delta", 7),
    ],
)
def test_every_position_code_loads_back_from_a_file(trained_mlp, values, positions, delta_width):
    binarize = 0.7 if values == "sign" else None
    settings = CompressionSettings(
        prune_sparsity=0.8, binarize_threshold=binarize, per_channel=True
    )
    state = compress(trained_mlp, MLP_LAYERS, settings).state
    layers = [
        encode_layer(name, state[f"{name}.weight"], state[f"{name}.bias"], positions, delta_width)
        for name in MLP_LAYERS
    ]
    assert {layer.record.values for layer in layers} == {values}
    header = pack_header("mlp", "mnist", b"", [layer.record for layer in layers])
    loaded = load_compact(header + b"".join(layer.streams for layer in layers))
    for key, tensor in state.items():
        assert torch.equal(loaded.state[key], tensor), key


def test_forced_codes_that_cannot_hold_the_layer_are_refused(trained_mlp):
    settings = CompressionSettings(prune_sparsity=0.5, binarize_threshold=0.0)
    weight = compress(trained_mlp, MLP_LAYERS, settings).state["fc3.weight"]
    with pytest.raises(ValueError, match="cannot be stored densely"):
        encode_layer("fc3", weight, None, "dense")
    with pytest.raises(ValueError, match="width"):
        encode_layer("fc3", weight, None, "delta", 0)
    with pytest.raises(ValueError, match="unknown position code"):
        encode_layer("fc3", weight, None, "runlength")


def test_cnn_with_four_dimensional_filters_round_trips():
    state = {k: v.detach() for k, v in build_model("cnn", seed=3).state_dict().items()}
    layers = layer_names_for("cnn")
    settings = CompressionSettings(prune_sparsity=0.7, binarize_threshold=0.0, per_channel=True)
    compressed = compress(state, layers, settings).state
    payload = export_bytes("cnn", compressed, settings)
    loaded = load_compact(payload)
    accounted = int(size_table(compressed, layers)["compressed_bytes"].sum())
    assert len(payload) - accounted == loaded.metadata["header_bytes"]
    assert loaded.metadata["header_bytes"] <= header_bound(len(layers), settings)
    for key, tensor in compressed.items():
        assert torch.equal(loaded.state[key], tensor), key


def test_a_layer_with_every_weight_pruned_round_trips(trained_mlp):
    state = dict(trained_mlp, **{"fc2.weight": torch.zeros(100, 300)})
    payload = export_bytes("mlp", state)
    loaded = load_compact(payload)
    assert torch.equal(loaded.state["fc2.weight"], torch.zeros(100, 300))
    table = size_table(state, MLP_LAYERS)
    assert len(payload) == int(table["compressed_bytes"].sum()) + loaded.metadata["header_bytes"]


@pytest.mark.parametrize("compressor", ["zlib", "bz2", "lzma"])
def test_general_purpose_compressor_shrinks_the_file_and_loads_back(trained_mlp, compressor):
    settings = SETTINGS["pruned 90%"]
    state = compress(trained_mlp, MLP_LAYERS, settings).state
    plain = export_bytes("mlp", state, settings)
    packed = export_bytes("mlp", state, settings, compressor=compressor)
    assert len(packed) < len(plain)
    loaded = load_compact(packed)
    assert loaded.metadata["compressor"] == compressor
    assert loaded.metadata["stream_bytes"] == int(
        size_table(state, MLP_LAYERS)["compressed_bytes"].sum()
    )
    for key, tensor in state.items():
        assert torch.equal(loaded.state[key], tensor), key


def test_export_refuses_weights_of_another_shape_or_not_finite(trained_mlp):
    with pytest.raises(ValueError, match="shape"):
        export_bytes("mlp", dict(trained_mlp, **{"fc3.bias": torch.zeros(11)}))
    with pytest.raises(ValueError, match="NaN"):
        export_bytes("mlp", dict(trained_mlp, **{"fc3.bias": torch.full((10,), float("nan"))}))
    with pytest.raises(ValueError, match="do not match"):
        export_bytes("cnn", trained_mlp)


def test_downloads_are_the_compact_file_and_a_loadable_float32_checkpoint(trained_mlp):
    settings = SETTINGS["pruned + binary"]
    state = compress(trained_mlp, MLP_LAYERS, settings).state
    compact = compact_download("mlp", state, settings)
    assert compact.file_name.endswith(".cxm")
    assert compact.payload == export_bytes("mlp", state, settings)
    assert compact.size_bytes == len(compact.payload)
    dense = float32_download("mlp", state, {"dataset": "mnist"})
    dense_fp32 = int(size_table(state, MLP_LAYERS)["dense_fp32_bytes"].sum())
    assert dense_fp32 < dense.size_bytes < dense_fp32 + 16_384  # torch.save's zip adds a little
    for checkpoint in (load_checkpoint(dense.payload), load_model_file(compact.payload)):
        for key, tensor in state.items():
            assert torch.equal(checkpoint.state[key], tensor), key
