"""The compressed model as files to download: the compact ``.cxm`` and a float32 ``.pt``.

The labels state each file's size, computed without writing the file
(:func:`compression.files.export.compact_file_size`: header + the size accounting;
:func:`compression.files.export.float32_file_size`). The bytes are built only when the
button is clicked, so moving a slider costs no export.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from compression.compress import compress
from compression.files.export import (
    DownloadFile,
    compact_download,
    compact_file_size,
    float32_download,
    float32_file_size,
)
from compression.measure import Measurement
from ui import format as fmt
from ui.state.baselines import Baseline


@dataclass(frozen=True)
class DownloadOffer:
    """A button's text: what the file is, its name and its size in bytes."""

    label: str
    file_name: str
    size_bytes: int
    help: str


def float32_metadata(baseline: Baseline, measured: Measurement) -> dict:
    """What the float32 checkpoint records about how its weights were made."""
    return {
        "dataset": baseline.dataset,
        "compression": measured.settings.to_dict(),
        "baseline": baseline.title,
    }


def compact_file(baseline: Baseline, measured: Measurement) -> DownloadFile:
    """``baseline`` compressed under ``measured.settings``, as a compact ``.cxm`` file."""
    compressed = compress(baseline.state, baseline.layers, measured.settings).state
    return compact_download(baseline.model_name, compressed, measured.settings, baseline.dataset)


def float32_file(baseline: Baseline, measured: Measurement) -> DownloadFile:
    """The same compressed weights as a plain float32 ``torch.save`` checkpoint."""
    compressed = compress(baseline.state, baseline.layers, measured.settings).state
    return float32_download(baseline.model_name, compressed, float32_metadata(baseline, measured))


BUILDERS = (compact_file, float32_file)  # in the order of download_offers


def download_files(baseline: Baseline, measured: Measurement) -> list[DownloadFile]:
    """The files behind the buttons, in the order of :func:`download_offers`."""
    return [build(baseline, measured) for build in BUILDERS]


def download_offers(baseline: Baseline, measured: Measurement) -> list[DownloadOffer]:
    """The labels of :func:`download_files`' files, in the same order, without building them."""
    model, settings = baseline.model_name, measured.settings
    compact = compact_file_size(
        model, baseline.state, measured.size_bytes, settings, baseline.dataset
    )
    dense = float32_file_size(model, baseline.state, float32_metadata(baseline, measured))
    header = compact - measured.size_bytes
    return [
        DownloadOffer(
            label=f"Download compressed model (.cxm, {fmt.kilobytes(compact)})",
            file_name=f"{model}-{baseline.dataset}-compressed.cxm",
            size_bytes=compact,
            help=f"{fmt.exact_bytes(compact)}: the compressed size "
            f"({fmt.exact_bytes(measured.size_bytes)}) plus a {header}-byte header naming the "
            "model, the data set, the settings and each layer's codes. Load it with "
            "`compression.files.model_file.load_model_file`, or upload it in the sidebar.",
        ),
        DownloadOffer(
            label=f"Download float32 checkpoint (.pt, {fmt.kilobytes(dense)})",
            file_name=f"{model}-float32.pt",
            size_bytes=dense,
            help=f"{fmt.exact_bytes(dense)}: the same compressed weights stored as plain "
            f"32-bit floats, zeros included ({fmt.exact_bytes(measured.dense_bytes)}), plus "
            "the records of a `torch.save` file; it loads with "
            "`torch.load(path, weights_only=True)`.",
        ),
    ]


def download_buttons(baseline: Baseline, measured: Measurement) -> None:
    """Two buttons, each labelled with its file's size; the bytes are made on click."""
    offers = download_offers(baseline, measured)
    row = st.container(horizontal=True)
    for offer, build in zip(offers, BUILDERS, strict=True):
        row.download_button(
            offer.label,
            data=lambda build=build: build(baseline, measured).payload,
            file_name=offer.file_name,
            mime="application/octet-stream",
            help=offer.help,
            on_click="ignore",
            icon=":material/download:",
        )
