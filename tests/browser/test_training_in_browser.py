"""Training in a real browser: progress and the new curve; Stop and a closed tab write nothing."""

from __future__ import annotations

import re
import time
from pathlib import Path

from bench import live_app

TRAIN = "pages/1_Train.py"
RETRAINED_TITLE = re.compile(
    r"your MLP \(LeNet-300-100\) retrained: prune \|W\| ≤ [0-9.]+, 1 epoch"
)
# Records, in the page itself, whether a progress bar was ever drawn (training may be quick).
WATCH_PROGRESS = """() => {
    window.progressSeen = 0;
    new MutationObserver(() => {
        const bars = document.querySelectorAll("[data-testid='stProgress']");
        window.progressSeen = Math.max(window.progressSeen, bars.length);
    }).observe(document.body, {childList: true, subtree: true});
}"""


def files_under(*folders: Path) -> dict[str, float]:
    """{path: modification time} of every file in ``folders`` (temporary files included)."""
    return {
        str(path): path.stat().st_mtime
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".git" not in path.parts
    }


def watched_folders(checkpoint_folder: Path) -> tuple[Path, ...]:
    return (checkpoint_folder, live_app.ROOT / "checkpoints", live_app.ROOT / "data")


def page_button(tab, name: str):
    """The page's own button called ``name`` (Streamlit's header has a Stop button of its own)."""
    return tab.get_by_test_id("stMainBlockContainer").get_by_role("button", name=name, exact=True)


def train_button(tab):
    return page_button(tab, "Train")


def test_training_a_tiny_model_shows_progress_and_its_new_curve(server, tab):
    live_app.open_page(tab, server, TRAIN)
    before = live_app.metrics(tab, sidebar=True)
    live_app.press_slider(tab, "Epochs", "Home")  # 1 epoch
    live_app.wait_until(lambda: live_app.slider_value(tab, "Epochs") == 1, 30, "1 epoch")
    live_app.settle(tab)
    tab.get_by_text("Advanced").click()
    live_app.press_slider(tab, "Training images", "Home")  # 2,000 images
    tab.get_by_text("2,000").first.wait_for()
    live_app.settle(tab)
    # batches of 32: 63 steps, so a quiet machine does not finish before the bar is drawn
    live_app.press_slider(tab, "Batch size", "Home")
    live_app.settle(tab)
    tab.evaluate(WATCH_PROGRESS)
    train_button(tab).click()
    tab.get_by_text("It is now your baseline").wait_for(timeout=300_000)
    live_app.settle(tab)
    assert tab.evaluate("window.progressSeen") >= 1, "a progress bar was shown while training"
    assert live_app.exceptions(tab) == []
    heading = tab.get_by_text("Training of the baseline in use: your MLP (LeNet-300-100) #1")
    assert heading.count() == 1
    curves = tab.locator("[data-testid='stPlotlyChart']", has_text="loss and accuracy per epoch")
    assert curves.locator("svg.main-svg .scatterlayer .trace").count() >= 2  # loss and accuracy
    after = live_app.metrics(tab, sidebar=True)
    assert after["Float32 size"] == before["Float32 size"]  # the same architecture
    assert after["Baseline accuracy"].endswith("%")


def test_stop_during_training_keeps_the_baseline_and_writes_no_file(server, tab, checkpoint_folder):
    files_before = files_under(*watched_folders(checkpoint_folder))
    live_app.open_page(tab, server, TRAIN)
    baseline_before = live_app.metrics(tab, sidebar=True)
    train_button(tab).click()  # 3 epochs on 60,000 images: far longer than this test waits
    tab.locator(live_app.PROGRESS).wait_for(timeout=120_000)
    page_button(tab, "Stop").click()
    tab.get_by_text("Training stopped before it finished").wait_for(timeout=120_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    assert live_app.metrics(tab, sidebar=True) == baseline_before
    assert tab.get_by_text("shipped MLP (LeNet-300-100)").count() >= 1
    assert files_under(*watched_folders(checkpoint_folder)) == files_before


def test_stop_after_an_epoch_offers_that_epoch_s_model_and_keeps_it_on_request(server, tab):
    live_app.open_page(tab, server, TRAIN)
    train_button(tab).click()  # 3 epochs on 60,000 images
    tab.get_by_text("Training: epoch 2/3").wait_for(timeout=300_000)
    page_button(tab, "Stop").click()
    tab.get_by_text("Training stopped before it finished").wait_for(timeout=120_000)
    keep = page_button(tab, "Keep the model from epoch 1")
    keep.wait_for(timeout=60_000)
    live_app.settle(tab)
    assert tab.get_by_text("shipped MLP (LeNet-300-100)").count() >= 1  # not changed yet
    keep.click()
    tab.get_by_text("trained for 1 epoch. It is now your baseline").wait_for(timeout=120_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    assert tab.get_by_text("Training of the baseline in use: your MLP (LeNet-300-100) #1").count()


def test_closing_the_tab_during_training_stops_it_and_writes_no_file(
    server, new_tab, checkpoint_folder
):
    files_before = files_under(*watched_folders(checkpoint_folder))
    first = new_tab()
    live_app.open_page(first, server, TRAIN)
    train_button(first).click()
    first.locator(live_app.PROGRESS).wait_for(timeout=120_000)
    first.context.close()

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks

    def idle() -> bool:
        start = cpu_seconds()
        time.sleep(2)
        return cpu_seconds() - start < 1.0  # training uses ~2 s of CPU every 2 s

    live_app.wait_until(idle, 120, "the server to stop training for the closed tab")
    second = new_tab()
    live_app.open_page(second, server, "pages/3_Prune.py")
    assert live_app.exceptions(second) == []
    assert files_under(*watched_folders(checkpoint_folder)) == files_before


def test_retraining_makes_the_retrained_model_the_baseline_of_every_page(server, tab):
    live_app.open_page(tab, server, "pages/3_Prune.py")
    page_button(tab, "Retrain with the compression held fixed").click()  # 1 epoch, 10,000
    tab.get_by_text("Accuracy after retraining").wait_for(timeout=300_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    shown = live_app.metrics(tab)
    assert shown["Test accuracy"] == shown["Accuracy after retraining"]
    assert tab.get_by_text("Before retraining:").count() == 1
    sidebar = tab.get_by_test_id("stSidebar")
    assert RETRAINED_TITLE.search(sidebar.inner_text())
    # the menu leads to Combine, which compresses the retrained model too
    sidebar.get_by_role("link", name="Combine").click()
    tab.get_by_text("Before retraining:").wait_for(timeout=120_000)
    live_app.settle(tab)
    assert live_app.exceptions(tab) == []
    assert RETRAINED_TITLE.search(sidebar.inner_text())
