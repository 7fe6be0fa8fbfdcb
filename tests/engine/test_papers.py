"""The published results and this app's reproductions, as the What if chart draws them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compression.explain import papers
from compression.explain.papers import BYTES, PARAMETERS, REFERENCES

ROOT = Path(__file__).resolve().parents[2]
BY_NAME = {reference.name: reference for reference in REFERENCES}


def test_a_stated_ratio_agrees_with_the_numbers_it_divides_to_the_source_s_rounding():
    checked = 0
    for reference in REFERENCES:
        for ratio in reference.ratios:
            if ratio.before is None:
                continue
            digits = 0 if float(ratio.stated).is_integer() else 1
            assert round(ratio.before / ratio.after, digits) == ratio.stated, reference.name
            checked += 1
    assert checked >= 8
    deep = BY_NAME["Deep Compression"]
    assert deep.ratio(BYTES) == pytest.approx(1070 / 27) and round(deep.ratio(BYTES)) == 40
    assert round(BY_NAME["Han 2015"].ratio(PARAMETERS)) == 12


def test_each_paper_reports_the_meaning_it_uses_and_only_that_one():
    assert {name: sorted(r.meaning for r in BY_NAME[name].ratios) for name in (
        "Han 2015", "Deep Compression", "Sparse VD", "BinaryConnect")} == {
        "Han 2015": [PARAMETERS], "Deep Compression": [BYTES], "Sparse VD": [PARAMETERS],
        "BinaryConnect": [BYTES],
    }  # fmt: skip
    assert BY_NAME["Sparse VD"].ratio(PARAMETERS) == 68
    assert BY_NAME["Sparse VD"].accuracy == pytest.approx(1 - 0.0192)
    assert BY_NAME["Han 2015"].ratio(BYTES) is None
    assert papers.left_out(BYTES) == ["Han 2015", "Sparse VD"]
    assert papers.left_out(PARAMETERS) == ["Deep Compression", "BinaryConnect"]
    assert {row["name"] for row in papers.reference_points(BYTES)} == (
        set(BY_NAME) - {"Han 2015", "Sparse VD"}
    )
    with pytest.raises(ValueError, match="means one of"):
        papers.reference_points("pixels")


def _reproduced_rows() -> list[tuple[float, int, int]]:
    """(test error, nonzero weights, file bytes) of each 'this repo' row of the results."""
    text = (ROOT / "bench" / "results" / "papers.md").read_text()
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 7 or cells[0] != "this repo" or "baseline" in cells[1]:
            continue
        error = round(float(re.findall(r"([\d.]+)%", cells[2])[-1]) / 100, 6)
        weights = int(cells[4].split("(")[0].split()[-1].replace(",", ""))  # "a -> b (12.2x)"
        file_bytes = int(cells[5].removesuffix(" B").replace(",", ""))
        rows.append((error, weights, file_bytes))
    return rows


def test_the_reproductions_are_the_numbers_measured_in_bench_results():
    ours = [r for r in REFERENCES if r.source == papers.REPRODUCTION]
    measured = _reproduced_rows()
    for reference in ours:
        bytes_ratio = next(r for r in reference.ratios if r.meaning == BYTES)
        kept = next(r for r in reference.ratios if r.meaning == PARAMETERS)
        row = (reference.error, kept.after, bytes_ratio.after)
        assert row in measured, reference.name
        assert kept.before == papers.LENET_WEIGHTS == 784 * 300 + 300 * 100 + 100 * 10
        assert bytes_ratio.before == papers.LENET_FLOAT32_BYTES == 4 * (266_200 + 410)
    assert round(BY_NAME["ours: Deep Compression recipe"].ratio(BYTES), 1) == 40.8  # as recorded
    assert round(BY_NAME["ours: smallest below 2%"].ratio(BYTES), 1) == 106.5
    assert round(BY_NAME["ours: Han 2015 recipe"].ratio(PARAMETERS), 1) == 12.2


def test_the_points_are_shown_for_the_mlp_on_mnist_only_and_say_why_otherwise():
    assert papers.shown_for("mlp", "mnist") and papers.hidden_reason("mlp", "mnist") is None
    for model, dataset in (("cnn", "mnist"), ("mlp", "fashion-mnist")):
        reason = papers.hidden_reason(model, dataset)
        assert "LeNet-300-100" in reason and f"the {model} on {dataset}" in reason
        assert "hidden" in reason
