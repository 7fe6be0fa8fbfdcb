"""Response time in a real browser: slider change -> updated numbers on screen, and page loads.

Run from the repository root (takes a few minutes):

    python bench/browser_latency.py [--changes 20]

For the Prune and Binarize pages with the shipped mlp: one key press moves the
slider one step (to a setting not seen before, so nothing is answered from the
cache), and the clock stops when the metrics on screen show new numbers and the
run is over. Median and 90th percentile over ``--changes`` presses. Then the time
from opening the app to the first full page (every metric and chart drawn): cold
(a fresh server: loading MNIST and the checkpoint, first measurement) and warm
(a new tab on a server that has served the page before). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import live_app

PAGES = {"Prune": ("pages/3_Prune.py", "Pruning threshold"),
         "Binarize": ("pages/2_Binarize.py", "Binarization threshold")}  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values <= it."""
    ordered = sorted(values)
    return ordered[max(0, int(-(-share * len(ordered) // 1)) - 1)]


def slider_times(page, server, page_file: str, label: str, changes: int) -> list[float]:
    live_app.open_page(page, server, page_file)
    times = []
    for _ in range(changes):
        before = live_app.metrics(page)
        start = time.perf_counter()
        live_app.press_slider(page, label, "ArrowRight")
        live_app.wait_for_change(page, before)
        times.append(time.perf_counter() - start)
        live_app.settle(page)
    return times


def first_page_time(browser, server, page_file: str | None) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    live_app.open_page(page, server, page_file)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="latency-")) / "streamlit.log"
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=live_app.chromium_path(), args=live_app.CHROMIUM_ARGS
        )
        server = live_app.start_server(log)
        try:
            cold = first_page_time(browser, server, "pages/3_Prune.py")
            warm = statistics.median(
                first_page_time(browser, server, "pages/3_Prune.py") for _ in range(3)
            )
            for name, (page_file, label) in PAGES.items():
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                times = slider_times(context.new_page(), server, page_file, label, args.changes)
                context.close()
                rows.append((name, times))
        finally:
            server.stop()
        browser.close()
    print(f"load average before/after: {os.getloadavg()[0]:.2f} (1 min), cpus: {os.cpu_count()}")
    print("\n| page (mlp) | slider changes | median | 90th percentile | slowest |")
    print("|---|---:|---:|---:|---:|")
    for name, times in rows:
        print(
            f"| {name} | {len(times)} | {1000 * statistics.median(times):.0f} ms "
            f"| {1000 * percentile(times, 0.9):.0f} ms | {1000 * max(times):.0f} ms |"
        )
    print("\n| first full page (Prune, mlp) | time |\n|---|---:|")
    print(f"| cold: fresh server, first tab | {cold:.1f} s |")
    print(f"| warm: new tab, median of 3 | {warm:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
