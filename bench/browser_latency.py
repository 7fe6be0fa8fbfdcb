"""Response time in a real browser: slider change -> updated numbers on screen, and page loads.

Run from the repository root (takes about six minutes):

    python -m bench.browser_latency [--changes 20]

For the Prune and Binarize pages with the shipped mlp, two kinds of change:

- *jump*: a click on the slider's track, far from every value shown before (a click
  that lands within two steps of a value already shown is not counted);
- *step*: one key press, one step on from the slider's left end.

Each on two servers:

- *as shipped*: the page measures the positions next to the slider first, then all its
  other positions, nearest first, in the background (``ui/state/prefetch.py``). The clock
  starts once the server has gone quiet after the page opened (the wait is printed):
  every change is answered from the cache, as it is for a person after that wait.
- *neighbours only* (``COMPRESSION_EXPLORER_SLIDER_PREFETCH=0``): only the guesses next
  to the slider are measured ahead, so a jump goes to a value nobody measured and the
  server tests the model on 10,000 images while the person waits. This is also what a
  person meets on a slider whose positions are not all measured yet.

The clock runs inside the page, so that watching it costs the page nothing (no
polling that forces the browser to lay the page out):

- *numbers*: from the key press or click to the first frame in which every metric
  shows its new value;
- *whole page*: from the press to the last change of the page once the run is over
  and every chart is drawn.

Median and 90th percentile over ``--changes`` steps and the jumps. Then the time from
opening the app to the first full page (every metric and chart drawn): cold (a fresh
server: loading MNIST and the checkpoint, first measurement) and warm (a new tab on a
server that has served the page before). Prints markdown tables.
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
from ui.state.measuring import SLIDER_PREFETCH_ENV

PAGES = {"Prune": ("pages/3_Prune.py", "Pruning threshold"),
         "Binarize": ("pages/2_Binarize.py", "Binarization threshold")}  # fmt: skip
SERVERS = {"as shipped": {}, "neighbours only": {SLIDER_PREFETCH_ENV: "0"}}


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
    """{"jump": [(numbers, whole page) s, ...], "step": [...], "wait": s} on one page."""
    live_app.open_page(page, server, page_file)
    waited = live_app.wait_until_server_idle(server)  # its background work, if any
    page.evaluate(live_app.CLOCK)
    thumb = live_app.slider_thumb(page, label)
    step, minimum, maximum = (float(thumb.get_attribute(name)) for name in ("step", "min", "max"))

    def click(fraction: float) -> None:
        live_app.click_slider(page, label, fraction)

    seen = [live_app.slider_value(page, label)]  # values shown: measured, and ahead
    times = {"jump": [], "step": [], "wait": waited}

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
    folder = Path(tempfile.mkdtemp(prefix="latency-"))
    rows, load_before = [], os.getloadavg()[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=live_app.chromium_path(), args=live_app.CHROMIUM_ARGS
        )
        for server_name, env in SERVERS.items():
            server = live_app.start_server(folder / f"{len(rows)}.log", env)
            try:
                if not rows:  # page loads: on the server as shipped
                    cold = first_page_time(browser, server, "pages/3_Prune.py")
                    warm = statistics.median(
                        first_page_time(browser, server, "pages/3_Prune.py") for _ in range(3)
                    )
                for name, (page_file, label) in PAGES.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 1000})
                    page = context.new_page()
                    times = slider_times(page, server, page_file, label, args.changes)
                    context.close()
                    rows += [(name, server_name, kind, times[kind], times["wait"])
                             for kind in ("jump", "step")]  # fmt: skip
            finally:
                server.stop()
        browser.close()
    print(
        f"load average (1 min) before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}, "
        f"cpus: {os.cpu_count()}"
    )
    print("\n| page (mlp) | server | change | count | numbers: median | 90th pct. ", end="")
    print("| whole page: median | 90th pct. |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, server_name, kind, times, _ in rows:
        numbers, whole = [t[0] for t in times], [t[1] for t in times]
        print(
            f"| {name} | {server_name} | {kind} | {len(times)} "
            f"| {1000 * statistics.median(numbers):,.0f} ms "
            f"| {1000 * percentile(numbers, 0.9):,.0f} ms "
            f"| {1000 * statistics.median(whole):,.0f} ms "
            f"| {1000 * percentile(whole, 0.9):,.0f} ms |"
        )
    waits = {(name, server_name): wait for name, server_name, _, _, wait in rows}
    print("\nwaited for the server to go quiet after opening the page: " + ", ".join(
        f"{name} {server_name} {wait:.1f} s" for (name, server_name), wait in waits.items()
    ))  # fmt: skip
    print("\n| first full page (Prune, mlp) | time |\n|---|---:|")
    print(f"| cold: fresh server, first tab | {cold:.1f} s |")
    print(f"| warm: new tab, median of 3 | {warm:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
