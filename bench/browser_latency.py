"""Response time in a real browser: slider change -> updated numbers on screen, and page loads.

Run from the repository root (takes a few minutes):

    python -m bench.browser_latency [--changes 20]

For the Prune and Binarize pages with the shipped mlp, two kinds of change:

- *jump*: a click on the slider's track, to a setting measured neither before nor
  ahead (checked: a click that lands within two steps of a value already shown is
  not counted), so the server tests the model while the person waits;
- *step*: one key press, one step on from the slider's left end. The page measures
  the next positions in the background while the person looks (``ui/prefetch.py``),
  so a step is answered from the cache if that finished before the press (here:
  presses a second apart). On Binarize (31 positions) some steps land on values a
  jump showed before: also answered from the cache.

The clock runs inside the page, so that watching it costs the page nothing (no
polling that forces the browser to lay the page out):

- *numbers*: from the key press or click to the first frame in which every metric
  shows its new value;
- *whole page*: from the press to the last change of the page once the run is over
  and every chart is drawn.

Median and 90th percentile over ``--changes`` steps and the jumps. Then the time from opening
the app to the first full page (every metric and chart drawn): cold (a fresh
server: loading MNIST and the checkpoint, first measurement) and warm (a new tab
on a server that has served the page before). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import live_app
from bench.percentile import percentile

PAGES = {"Prune": ("pages/3_Prune.py", "Pruning threshold"),
         "Binarize": ("pages/2_Binarize.py", "Binarization threshold")}  # fmt: skip


# Where the jumps click, as fractions of the track: far apart, so a jump never lands
# on a position measured ahead for the one before.
JUMPS = (0.9, 0.3, 0.6, 0.1, 0.8, 0.4, 0.7, 0.2, 0.5, 0.95, 0.35, 0.65)


def timed_change(page, change) -> tuple[float, float]:
    """(numbers, whole page) seconds of one change made by ``change()``."""
    change()
    page.wait_for_function(live_app.NUMBERS_SHOWN, polling=100, timeout=120_000)
    page.wait_for_function(live_app.PAGE_DONE, polling=200, timeout=300_000)
    clock = page.evaluate("() => window.sliderClock")
    return (
        (clock["numbers"] - clock["pressed"]) / 1000,
        (clock["last"] - clock["pressed"]) / 1000,
    )


def slider_times(page, server, page_file: str, label: str, changes: int) -> dict[str, list]:
    """{"jump": [(numbers, whole page) s, ...], "step": [...]} on one page."""
    live_app.open_page(page, server, page_file)
    page.evaluate(live_app.CLOCK)
    thumb = live_app.slider_thumb(page, label)
    step, minimum, maximum = (float(thumb.get_attribute(name)) for name in ("step", "min", "max"))

    def click(fraction: float) -> None:
        live_app.click_slider(page, label, fraction)

    seen = [live_app.slider_value(page, label)]  # values shown: measured, and ahead
    times = {"jump": [], "step": []}

    def new(value: float) -> bool:  # neither shown before nor measured ahead (<= 2 steps)
        return all(abs(value - before) > 2.5 * step for before in seen)

    for fraction in JUMPS:
        if not new(minimum + round(fraction * (maximum - minimum) / step) * step):
            continue  # aims at a value measured before
        timing = timed_change(page, partial(click, fraction))
        landed = live_app.slider_value(page, label)
        if new(landed):
            times["jump"].append(timing)
        seen.append(landed)
    timed_change(page, lambda: live_app.press_slider(page, label, "Home"))  # room for steps
    for _ in range(changes):
        times["step"].append(
            timed_change(page, lambda: live_app.press_slider(page, label, "ArrowRight"))
        )
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
    rows, load_before = [], os.getloadavg()[0]
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
                rows += [(name, kind, times[kind]) for kind in ("jump", "step")]
        finally:
            server.stop()
        browser.close()
    print(
        f"load average (1 min) before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}, "
        f"cpus: {os.cpu_count()}"
    )
    print("\n| page (mlp) | change | count | numbers: median | 90th pct. ", end="")
    print("| whole page: median | 90th pct. |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, kind, times in rows:
        numbers, whole = [t[0] for t in times], [t[1] for t in times]
        print(
            f"| {name} | {kind} | {len(times)} | {1000 * statistics.median(numbers):,.0f} ms "
            f"| {1000 * percentile(numbers, 0.9):,.0f} ms "
            f"| {1000 * statistics.median(whole):,.0f} ms "
            f"| {1000 * percentile(whole, 0.9):,.0f} ms |"
        )
    print("\n| first full page (Prune, mlp) | time |\n|---|---:|")
    print(f"| cold: fresh server, first tab | {cold:.1f} s |")
    print(f"| warm: new tab, median of 3 | {warm:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
