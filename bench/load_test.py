"""A classroom at once: many browser sessions moving different sliders on one server.

Run from the repository root (about two minutes):

    python -m bench.load_test [--sessions 10] [--seconds 60]

Each session is its own browser context (a separate person) on the Prune or the
Binarize page with the shipped mlp. Once every session has its page, all of them
keep moving their own slider by their own step for ``--seconds``; each change is
timed inside its page, from the key press to the frame showing new numbers (the
browsers run on the same machine as the server, so they share its cores). The
server's CPU time over that minute is read from /proc. Afterwards it checks that:

- no page showed an exception box and the server log holds no traceback;
- every reading a session saw (slider value -> accuracy, size, sparsity) equals
  ``compression.measure.measure`` for that value: each session saw its own numbers;
- a fresh tab after the load shows the same baseline numbers as one before it
  (the shared baseline is unchanged);
- the server's resident memory (VmRSS) before, at its peak, and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from bench import live_app
from bench.percentile import percentile
from compression.data import load_dataset
from compression.files.checkpoint import load_checkpoint
from compression.measure import measure
from compression.settings import CompressionSettings
from ui import format as fmt

PAGES = [
    ("pages/3_Prune.py", "Pruning threshold"),
    ("pages/2_Binarize.py", "Binarization threshold"),
]
CHANGES_PER_DIRECTION = 8


async def settle(page, timeout: float = 300) -> None:
    """Wait for the first full page: metrics shown, charts drawn, nothing changing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = await page.locator(live_app.RUNNING).count()
        shown = await page.locator(live_app.METRIC).count()
        drawn = await page.evaluate(live_app.ALL_CHARTS_DRAWN)
        quiet = await page.evaluate(live_app.QUIET_FOR) >= 1000 * live_app.QUIET_SECONDS
        if shown and drawn and quiet and not running:
            return
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{page.url} did not settle in {timeout:.0f} s")


async def metrics(page) -> dict[str, str]:
    return await page.locator("[data-testid='stMain']").evaluate(live_app.READ_METRICS)


async def reading(page, label: str) -> tuple[float, dict[str, str]]:
    block = page.locator("[data-testid='stSlider']", has_text=label).first
    value = float(await block.get_by_role("slider").first.input_value())
    return value, await metrics(page)


async def session(
    browser, server, number: int, seconds: float, result: dict, start: asyncio.Barrier, load: dict
) -> None:
    page_file, label = PAGES[number % 2]
    presses = 1 + number // 2 if number % 2 == 0 else 1 + (number // 2) % 3
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(300_000)  # ten tabs on two shared cores: be patient
    page = await context.new_page()
    await page.goto(live_app.page_url(server, page_file))
    await settle(page)
    readings, times, errors = [await reading(page, label)], [], []
    thumb = page.locator("[data-testid='stSlider']", has_text=label).first.get_by_role("slider")
    await page.evaluate(live_app.CLOCK)  # timed inside the page: watching costs it nothing
    if await start.wait() == 0:  # every session is on its page: the load starts now
        load.update(started=time.monotonic(), cpu=server.cpu_seconds())
    end = time.monotonic() + seconds
    change = 0
    while time.monotonic() < end:
        key = "ArrowRight" if (change // CHANGES_PER_DIRECTION) % 2 == 0 else "ArrowLeft"
        await thumb.first.focus()
        for _ in range(presses):
            await thumb.first.press(key)
        await page.wait_for_function(live_app.NUMBERS_SHOWN, polling=250, timeout=300_000)
        await page.wait_for_function(live_app.PAGE_DONE, polling=500, timeout=300_000)
        clock = await page.evaluate("() => window.sliderClock")
        times.append((clock["numbers"] - clock["pressed"]) / 1000)
        readings.append(await reading(page, label))
        errors += await page.locator(live_app.EXCEPTION).all_inner_texts()
        change += 1
    await context.close()
    result[number] = {"page": page_file, "readings": readings, "times": times, "errors": errors}


async def baseline_view(browser, server) -> dict[str, str]:
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    await page.goto(live_app.page_url(server, "pages/3_Prune.py"))
    await settle(page)
    main = await metrics(page)
    side = await page.locator("[data-testid='stSidebar']").evaluate(live_app.READ_BASELINE_LINE)
    await context.close()
    return {**main, **{f"sidebar {k}": v for k, v in side.items()}}


async def watch_memory(server, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], server.rss_kib())
        await asyncio.sleep(0.5)


async def run(sessions: int, seconds: float) -> dict:
    log = Path(tempfile.mkdtemp(prefix="load-")) / "streamlit.log"
    server = live_app.start_server(log)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=live_app.chromium_path(), args=live_app.CHROMIUM_ARGS
            )
            before_view = await baseline_view(browser, server)
            rss_before = server.rss_kib()
            peak, stop = [rss_before], asyncio.Event()
            watcher = asyncio.create_task(watch_memory(server, peak, stop))
            results: dict[int, dict] = {}
            start, load = asyncio.Barrier(sessions), {}
            await asyncio.gather(
                *(
                    session(browser, server, n, seconds, results, start, load)
                    for n in range(sessions)
                )
            )
            elapsed = time.monotonic() - load["started"]
            server_cpu = server.cpu_seconds() - load["cpu"]
            stop.set()
            await watcher
            after_view = await baseline_view(browser, server)
            await browser.close()
        rss_after = server.rss_kib()
    finally:
        server.stop()
    return {
        "results": results,
        "elapsed": elapsed,
        "server_cpu": server_cpu,
        "views": (before_view, after_view),
        "rss": (rss_before, peak[0], rss_after),
        "log": log.read_text(errors="replace"),
    }


def expected_readings(results: dict) -> dict[tuple[str, float], dict[str, str]]:
    """What ``compression.measure.measure`` says for every (page, slider value) seen."""
    shipped = load_checkpoint(live_app.ROOT / "checkpoints" / "mlp-mnist.pt")
    data = load_dataset("mnist")
    wanted = {}
    for outcome in results.values():
        for value, _ in outcome["readings"]:
            key = (outcome["page"], value)
            if key in wanted:
                continue
            if "Prune" in outcome["page"]:
                settings = CompressionSettings(prune_threshold=value)
            else:
                settings = CompressionSettings(binarize_threshold=value)
            measured = measure("mlp", shipped.state, settings, data.test_images, data.test_labels)
            wanted[key] = {
                "Test accuracy": fmt.accuracy(measured.accuracy),
                "Compressed size": fmt.kilobytes(measured.summary["size_bytes"]["compressed"]),
                "Sparsity": fmt.percent(measured.summary["sparsity"]),
            }
    return wanted


def wrong_readings(results: dict) -> list[tuple]:
    """(session, value, label, shown, expected) for every reading that differs from measure.

    A page shows accuracy and size; sparsity only where it has that metric (Prune).
    """
    wanted = expected_readings(results)
    return [
        (number, value, label, shown.get(label), wanted[(r["page"], value)][label])
        for number, r in results.items()
        for value, shown in r["readings"]
        for label in ("Test accuracy", "Compressed size", "Sparsity")
        if (label in shown or label != "Sparsity")
        and shown.get(label) != wanted[(r["page"], value)][label]
    ]


def session_arguments(description: str) -> argparse.ArgumentParser:
    """The command line every load test shares: ``--sessions`` and ``--seconds``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    return parser


def checked(outcome: dict, load_start: float) -> dict:
    """Print the load average since ``load_start``; the outcome plus ``mismatches`` (readings
    unlike measure's) and ``errors`` (exceptions the sessions saw)."""
    results = outcome["results"]
    outcome["mismatches"] = wrong_readings(results)
    outcome["errors"] = [e for r in results.values() for e in r["errors"]]
    print(f"load average at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}; "
          f"cpus {os.cpu_count()}")  # fmt: skip
    return outcome


def run_and_check(run, description: str) -> dict:
    """Parse ``--sessions`` and ``--seconds``, run ``run(sessions, seconds)`` and check it
    (:func:`checked`)."""
    args = session_arguments(description).parse_args()
    load_start = os.getloadavg()[0]
    return checked(asyncio.run(run(args.sessions, args.seconds)), load_start)


def memory_row(rss: tuple[int, int, int]) -> str:
    """The table row of the server's VmRSS (KiB) before, at the peak and after the load."""
    before, peak, after = (kib / 1024 for kib in rss)
    return (
        f"| server memory (VmRSS) | before {before:.0f} MiB, "
        f"peak {peak:.0f} MiB, after {after:.0f} MiB |"
    )


def main() -> int:
    outcome = run_and_check(run, __doc__)
    results, mismatches, errors = outcome["results"], outcome["mismatches"], outcome["errors"]
    tracebacks = outcome["log"].count("Traceback")
    before_view, after_view = outcome["views"]
    times = [t for r in results.values() for t in r["times"]]
    readings = sum(len(r["readings"]) for r in results.values())
    print(f"| sessions | {len(results)} for {outcome['elapsed']:.0f} s |")
    print("|---|---|")
    print(f"| slider changes answered | {len(times)} ({readings} readings checked) |")
    print(
        f"| time to new numbers under load | median {statistics.median(times):.2f} s, "
        f"90th percentile {percentile(times, 0.9):.2f} s |"
    )
    print(
        f"| server CPU time while loaded | {outcome['server_cpu']:.1f} s, "
        f"{outcome['server_cpu'] / max(len(times), 1):.2f} s per answered change |"
    )
    print(f"| readings different from `measure` | {len(mismatches)} |")
    print(f"| exception boxes / tracebacks in the server log | {len(errors)} / {tracebacks} |")
    print(f"| baseline numbers unchanged after the load | {before_view == after_view} |")
    print(memory_row(outcome["rss"]))
    for mismatch in mismatches[:10]:
        print("mismatch:", mismatch)
    ok = not mismatches and not errors and not tracebacks and before_view == after_view
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
