"""The byte ledger's waterfall: float32 first, a bar per step, the file's size last."""

from __future__ import annotations

import pytest

from compression.figures.ledger_plot import DENSE_LABEL, FILE_LABEL, ledger_waterfall
from compression.ledger import ByteLedger, LedgerStep

LEDGER = ByteLedger(
    dense_bytes=10_000,
    steps=(
        LedgerStep("values", 300, 300 - 9_600),
        LedgerStep("positions", 250, 250),
        LedgerStep("scales", 8, 8),
        LedgerStep("biases", 400, 0),
    ),
    file_bytes=958,
)


def test_the_bars_run_from_float32_through_each_step_to_the_file():
    trace = ledger_waterfall(LEDGER).data[0]
    assert trace.type == "waterfall" and trace.orientation == "h"
    assert list(trace.y) == [DENSE_LABEL, "values", "positions", "scales", "biases", FILE_LABEL]
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "relative",
                                   "total"]  # fmt: skip
    # KB: the float32 size, then each change; the total bar is the running sum
    assert list(trace.x[:-1]) == pytest.approx([10.0, -9.3, 0.25, 0.008, 0.0])
    assert sum(trace.x[:-1]) == pytest.approx(LEDGER.file_bytes / 1000)


def test_labels_say_the_sizes_and_signed_changes_and_the_hover_the_exact_bytes():
    trace = ledger_waterfall(LEDGER).data[0]
    assert list(trace.text) == ["10.0 KB", "−9.3 KB", "+250 bytes", "+8 bytes", "+0 bytes",
                                "1.0 KB"]  # fmt: skip
    assert "958 bytes" in trace.hovertext[-1]
    # the long bars hold their labels, the short ones have them beside
    assert list(trace.textposition) == ["inside", "inside"] + ["outside"] * 4
    assert "10,000 bytes" in trace.hovertext[0]
    assert "300 bytes in the file, -9,300 bytes against float32" in trace.hovertext[1]


def test_a_ledger_with_a_huffman_step_draws_it_before_the_file():
    huffman = ByteLedger(958, (LedgerStep("Huffman", 20, -100),), 858)
    trace = ledger_waterfall(huffman).data[0]
    assert list(trace.y) == [DENSE_LABEL, "Huffman", FILE_LABEL]
    assert "Huffman coding" in trace.hovertext[1]
