"""Moving the sliders in a real browser: the numbers on screen follow, and they are right.

The right numbers come from ``compression.measure.measure`` called here, outside the app and
its caches (what ``python -m compression evaluate`` runs), on the shipped checkpoint with
the value the slider shows.
"""

from __future__ import annotations

import pytest

from bench import live_app
from compression.measure import measure
from compression.methods.prune import prune_threshold_range
from compression.models import layer_names_for
from compression.settings import CompressionSettings
from ui import format as fmt

PRUNE = "pages/3_Prune.py"
BINARIZE = "pages/2_Binarize.py"
PRUNE_SLIDER = "Pruning threshold"
BINARIZE_SLIDER = "Binarization threshold"


def expected(shipped, settings: CompressionSettings, digits) -> dict[str, str]:
    measured = measure("mlp", shipped.state, settings, *digits)
    summary = measured.summary
    return {
        "Test accuracy": fmt.accuracy(measured.accuracy),
        "Compressed size": fmt.kilobytes(summary["size_bytes"]["compressed"]),
        "Sparsity": fmt.percent(summary["sparsity"]),
    }


def assert_shows(shown: dict[str, str], wanted: dict[str, str]) -> None:
    for label, value in wanted.items():
        if label in shown:
            assert shown[label] == value, (
                f"{label}: page shows {shown[label]}, expected {value} ({shown})"
            )


def test_pruning_slider_raises_sparsity_lowers_size_and_recomputes_accuracy(
    server, tab, shipped_mlp, test_digits
):
    live_app.open_page(tab, server, PRUNE)
    before = live_app.metrics(tab)
    cut_before = live_app.slider_value(tab, PRUNE_SLIDER)
    after = live_app.move_slider(tab, PRUNE_SLIDER, 12)
    cut_after = live_app.slider_value(tab, PRUNE_SLIDER)
    step = prune_threshold_range(shipped_mlp.state, layer_names_for("mlp")).step
    assert cut_after == pytest.approx(cut_before + 12 * step)

    def number(text: str) -> float:
        return float(text.split()[0].replace(",", "").rstrip("%×"))

    assert number(after["Sparsity"]) > number(before["Sparsity"])
    assert number(after["Compressed size"]) < number(before["Compressed size"])
    assert live_app.exceptions(tab) == []
    assert_shows(
        before, expected(shipped_mlp, CompressionSettings(prune_threshold=cut_before), test_digits)
    )
    assert_shows(
        after, expected(shipped_mlp, CompressionSettings(prune_threshold=cut_after), test_digits)
    )


def test_binarization_slider_turns_binary_into_ternary_and_recomputes_accuracy(
    server, tab, shipped_mlp, test_digits
):
    live_app.open_page(tab, server, BINARIZE)
    before = live_app.metrics(tab)
    assert live_app.slider_value(tab, BINARIZE_SLIDER) == 0.0
    assert before["Bits per weight"].startswith("1.0")  # pure binary: one bit a weight
    after = live_app.move_slider(tab, BINARIZE_SLIDER, 14)  # 0.70, the ternary rule
    assert live_app.slider_value(tab, BINARIZE_SLIDER) == pytest.approx(0.7)
    assert float(after["Bits per weight"].split()[0]) > 1.2
    assert after["Compressed size"] != before["Compressed size"]
    assert_shows(
        before, expected(shipped_mlp, CompressionSettings(binarize_threshold=0.0), test_digits)
    )
    assert_shows(
        after, expected(shipped_mlp, CompressionSettings(binarize_threshold=0.7), test_digits)
    )


@pytest.mark.parametrize(
    ("page_file", "label"),
    [(PRUNE, PRUNE_SLIDER), (BINARIZE, BINARIZE_SLIDER), ("pages/4_Combine.py", PRUNE_SLIDER)],
)
def test_sliders_at_both_ends_show_numbers_not_tracebacks(server, tab, page_file, label):
    live_app.open_page(tab, server, page_file)
    thumb = live_app.slider_thumb(tab, label)
    ends = {"End": float(thumb.get_attribute("max")), "Home": float(thumb.get_attribute("min"))}
    for key, end in ends.items():
        before = live_app.metrics(tab)
        live_app.press_slider(tab, label, key)
        live_app.wait_for_change(tab, before, timeout=180)
        assert live_app.slider_value(tab, label) == end
        live_app.settle(tab)
        assert live_app.exceptions(tab) == []
        assert tab.locator("[data-testid='stAlert']").count() == 0, f"no error at {end}"
        assert live_app.metrics(tab)["Test accuracy"].endswith("%")


def test_removing_every_layer_shows_a_message_and_putting_one_back_restores_numbers(server, tab):
    live_app.open_page(tab, server, PRUNE)
    chips = tab.locator("[data-testid='stMultiSelect'] [role='button'][aria-label^='Remove']")
    # the clear-all control of the multiselect removes every chosen layer at once
    tab.locator("[data-testid='stMultiSelect'] [aria-label='Clear all']").click()
    tab.get_by_text("Choose at least one layer to compress.").wait_for()
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    assert chips.count() == 0
    assert "Test accuracy" not in live_app.metrics(tab)
    tab.locator("[data-testid='stMultiSelect'] input").click()
    tab.get_by_role("option", name="fc2").click()
    live_app.wait_until(lambda: "Test accuracy" in live_app.metrics(tab), 120, "the numbers")
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
