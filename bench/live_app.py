"""The real app in a real browser: start ``streamlit run app.py``, drive Chromium, read the page.

Shared by the browser tests (``tests/browser``) and the browser benchmarks
(``bench/browser_latency.py``, ``bench/load_test.py``, ``bench/screenshots.py``).
Waiting is always done by polling what the page shows, with a deadline, never by
a fixed sleep: a shared 2-core machine is sometimes fast and sometimes not.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "install it with `apt-get install -y chromium`"

# What Streamlit draws (data-testid attributes of its components).
EXCEPTION = "[data-testid='stException']"
RUNNING = "[data-testid='stStatusWidget']"
METRIC = "[data-testid='stMetric']"
CHART = "[data-testid='stPlotlyChart']"
PROGRESS = "[data-testid='stProgress']"
# the sidebar's line with the baseline's accuracy and size, drawn on every page once the
# baseline is measured (a page without metrics of its own shows it too)
BASELINE_LINE = (
    "[data-testid='stSidebar'] [data-testid='stCaptionContainer']:has-text('Baseline accuracy:')"
)

ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .every(chart => chart.querySelector(".js-plotly-plot svg.main-svg") !== null)"""
# Milliseconds since anything on the page last changed (installs the watcher on first call).
QUIET_FOR = """() => {
    if (window.lastChange === undefined) {
        window.lastChange = performance.now();
        new MutationObserver(() => { window.lastChange = performance.now(); })
            .observe(document.body, {childList: true, subtree: true, characterData: true});
    }
    return performance.now() - window.lastChange;
}"""
QUIET_SECONDS = 1.0  # longer than a slider's debounce, so a pending re-run has started by then
READ_METRICS = """root => {
    const shown = {};
    for (const metric of root.querySelectorAll("[data-testid='stMetric']")) {
        const label = metric.querySelector("[data-testid='stMetricLabel']");
        const value = metric.querySelector("[data-testid='stMetricValue']");
        if (label && value) shown[label.innerText.trim()] = value.innerText.trim();
    }
    return shown;
}"""
# The sidebar's baseline line, "Baseline accuracy: 98.30 % · Float32 size: 1,066.4 KB",
# as {label: value} (see ui/page.py baseline_line).
READ_BASELINE_LINE = """root => {
    const shown = {};
    for (const caption of root.querySelectorAll("[data-testid='stCaptionContainer']")) {
        const text = caption.innerText.trim();
        if (!text.startsWith("Baseline accuracy:")) continue;
        for (const part of text.split(" · ")) {
            const [label, value] = part.split(": ");
            shown[label.trim()] = value.trim();
        }
    }
    return shown;
}"""

# In-page clock: key press or click -> the frame that shows new metric values -> last change.
CLOCK = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    const shown = () => [...main.querySelectorAll("[data-testid='stMetricValue']")]
        .map(value => value.textContent).join("|");
    const clock = {pressed: null, numbers: null, last: null, before: shown()};
    window.sliderClock = clock;
    const start = () => {
        clock.pressed = performance.now();
        clock.numbers = null;
        clock.before = shown();
    };
    document.addEventListener("keydown", start, true);  // a key step
    document.addEventListener("pointerdown", start, true);  // a click on a slider's track
    new MutationObserver(() => {
        if (clock.pressed === null) return;
        clock.last = performance.now();
        if (clock.numbers === null && shown() !== clock.before) {
            clock.numbers = -1;  // claimed: stamped by the next frame
            requestAnimationFrame(() => { clock.numbers = performance.now(); });
        }
    }).observe(main, {childList: true, subtree: true, characterData: true, attributes: true});
}"""
NUMBERS_SHOWN = "() => window.sliderClock.numbers > 0"
# The run is over, every chart has drawn its SVG, and nothing changed for a second.
PAGE_DONE = """() => {
    const clock = window.sliderClock;
    const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
    return document.querySelector("[data-testid='stStatusWidget']") === null
        && charts.every(chart => chart.querySelector(".js-plotly-plot svg.main-svg") !== null)
        && performance.now() - (clock.last ?? clock.pressed) > 1000;
}"""


def chromium_path() -> str:
    """The Chromium the tests drive; a clear error naming the fix when it is missing."""
    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError(f"{CHROMIUM} is missing: {INSTALL_HINT}")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run app.py`` on a loopback port, its output going to ``log``."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_kib(self) -> int:
        """Resident memory of the server process in KiB (VmRSS of /proc/<pid>/status)."""
        return rss_kib(self.process.pid)

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system, /proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_server(
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    options: Sequence[str] = (),
) -> Server:
    """Start the app headless on a free loopback port; return once it answers its health check.

    ``options`` are more ``streamlit run`` options, such as ``--server.disconnectedSessionTTL``.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", *options,
    ]  # fmt: skip
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start-up:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not become healthy within {timeout:.0f} s")


def wait_until_server_idle(server: Server, quiet: float = 2.0, timeout: float = 600) -> float:
    """Wait until the server used under 5% of a core for ``quiet`` seconds (its background
    work is done); return the seconds waited."""
    start = time.monotonic()
    before, since = server.cpu_seconds(), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the server was still busy after {timeout:.0f} s")
        time.sleep(0.25)
        used = server.cpu_seconds()
        if used - before > 0.05 * (time.monotonic() - since):
            before, since = used, time.monotonic()
    return time.monotonic() - start


def page_url(server: Server, page_file: str | None) -> str:
    """The address of ``pages/3_Prune.py`` ("/Prune"), or of the home page for None."""
    if page_file is None:
        return server.url + "/"
    name = Path(page_file).stem.split("_", 1)[1]
    return f"{server.url}/{name}"


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll ``condition()`` until it returns something truthy; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def is_running(page: Page) -> bool:
    return page.locator(RUNNING).count() > 0


def settle(page: Page, timeout: float = 180) -> None:
    """Wait until the script run is over, every Plotly chart has drawn its SVG, and the
    page has not changed for :data:`QUIET_SECONDS` (no re-run still on its way)."""
    page.wait_for_selector("[data-testid='stMain']", timeout=timeout * 1000)
    wait_until(
        lambda: (
            page.locator(METRIC).count()
            or page.locator(BASELINE_LINE).count()
            or page.locator(EXCEPTION).count()
        ),
        timeout,
        f"the first metric or the baseline's line on {page.url}",
    )
    wait_until(
        lambda: (
            not is_running(page)
            and page.evaluate(ALL_CHARTS_DRAWN)
            and page.evaluate(QUIET_FOR) >= 1000 * QUIET_SECONDS
        ),
        timeout,
        f"the script run and the charts on {page.url}",
    )


def open_page(page: Page, server: Server, page_file: str | None, timeout: float = 180) -> None:
    page.goto(page_url(server, page_file))
    settle(page, timeout)


def exceptions(page: Page) -> list[str]:
    """Text of every exception box on the page (a working page shows none)."""
    return [box.inner_text() for box in page.locator(EXCEPTION).all()]


def metrics(page: Page, sidebar: bool = False) -> dict[str, str]:
    """{label: shown value} of the metrics in the main area, or of the baseline's line in
    the sidebar ("Baseline accuracy", "Float32 size")."""
    if sidebar:
        return page.locator("[data-testid='stSidebar']").evaluate(READ_BASELINE_LINE)
    return page.locator("[data-testid='stMain']").evaluate(READ_METRICS)


def slider_thumb(page: Page, label: str):
    """The thumb (role=slider) of the slider whose label starts with ``label``."""
    block = page.locator("[data-testid='stSlider']", has_text=label).first
    return block.get_by_role("slider").first


def click_slider(page: Page, label: str, fraction: float) -> None:
    """Click a slider's track ``fraction`` of the way from its left end (a jump)."""
    block = page.locator("[data-testid='stSlider']", has_text=label).first
    track = block.locator("[role='group'] > div[data-rac]").first.bounding_box()
    thumb = slider_thumb(page, label).bounding_box()
    page.mouse.click(track["x"] + fraction * track["width"], thumb["y"] + thumb["height"] / 2)


def slider_value(page: Page, label: str) -> float:
    """The value the slider shows (its range input's value)."""
    return float(slider_thumb(page, label).input_value())


def press_slider(page: Page, label: str, key: str, times: int = 1) -> None:
    """Key-step a slider: ``ArrowRight``, ``ArrowLeft``, ``Home`` or ``End``."""
    thumb = slider_thumb(page, label)
    thumb.focus()
    for _ in range(times):
        thumb.press(key)


def wait_for_change(page: Page, before: dict[str, str], timeout: float = 60) -> dict[str, str]:
    """Poll the metrics until they differ from ``before`` and the run is over; return them."""

    def changed():
        shown = metrics(page)
        return shown if shown and shown != before and not is_running(page) else None

    return wait_until(changed, timeout, "the numbers on screen to change", interval=0.02)


def move_slider(page: Page, label: str, presses: int, key: str = "ArrowRight") -> dict[str, str]:
    """Move a slider ``presses`` steps, one at a time, each waited for; return the numbers.

    One step at a time, as a person does; bursts of presses are not in the test suite
    (see "Known problem: fast key presses" in docs/guarantees.md).
    """
    shown = metrics(page)
    for _ in range(presses):
        press_slider(page, label, key)
        shown = wait_for_change(page, shown)
        settle(page)
        shown = metrics(page)
    return shown
