"""What a person reads: KB, %, points, ratios, tables."""

from __future__ import annotations

import pandas as pd

from ui import format as fmt


def test_kilobytes_are_decimal_with_the_exact_count_separately():
    assert fmt.kilobytes(1_066_440) == "1,066.4 KB"
    assert fmt.kilobytes(34_927) == "34.9 KB"
    assert fmt.exact_bytes(34_927) == "34,927 bytes"


def test_a_count_of_one_reads_in_the_singular():
    assert fmt.count(1, "epoch") == "1 epoch"
    assert fmt.count(2, "epoch") == "2 epochs"
    assert fmt.count(60_000, "image") == "60,000 images"


def test_percentages_and_accuracy():
    assert fmt.percent(0.9012) == "90.1 %"
    assert fmt.accuracy(0.98299) == "98.30 %"


def test_points_carry_a_sign_so_the_delta_is_coloured():
    assert fmt.points(-0.0042) == "-0.42 pts"
    assert fmt.points(0.0125) == "+1.25 pts"
    assert fmt.points(0.00001) == "±0.00 pts"


def test_size_change_is_relative_to_the_dense_model():
    assert fmt.size_change(34_927, 1_066_440) == "-96.7 %"
    assert fmt.size_change(100, 100) == "±0.0 %"


def test_ratio_and_bits():
    assert fmt.ratio(30.53) == "30.5×"
    assert fmt.ratio(float("inf")) == "∞"
    assert fmt.bits(1.00036) == "1.00"


def test_layer_table_reads_in_units():
    sizes = pd.DataFrame(
        {
            "layer": ["fc1"],
            "shape": [(300, 784)],
            "params": [235_500],
            "sparsity": [0.5],
            "values": ["float32"],
            "positions": ["bitmask"],
            "bits_per_weight": [17.0],
            "dense_fp32_bytes": [942_000],
            "compressed_bytes": [500_123],
        }
    )
    row = fmt.layer_table(sizes).iloc[0]
    assert row["shape"] == "300 × 784"
    assert row["weights = 0"] == "50.0 %"
    assert row["compressed"] == "500.1 KB"
    assert row["compressed bytes"] == 500_123
