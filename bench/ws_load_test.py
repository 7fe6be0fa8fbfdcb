"""A classroom without browsers: many websocket clients moving sliders on one server.

Run from the repository root (about a minute and a half):

    python -m bench.ws_load_test [--sessions 10] [--seconds 60]

Each client speaks Streamlit's own protocol (the protobuf messages the browser
sends and receives on ``/_stcore/stream``): it opens the Prune or the Binarize page
with the shipped mlp, then, once every client is open, keeps moving its own slider
by its own step for ``--seconds``, one change at a time, each a rerun of the page's
fragment with the new slider value, as the browser sends it. No browser draws
anything, so this measures the server alone on the machine's cores: the time from
sending a change to receiving the new "Test accuracy" and to the end of the run.

Afterwards it checks, as ``bench/load_test.py`` does for browsers, that every
reading equals ``compression.measure.measure`` for the value sent, that no exception
was sent and the server log holds no traceback, and it reports the server's CPU
time and resident memory (from the moment every client has its page).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import live_app
from bench.load_test import PAGES, memory_row, run_and_check
from bench.percentile import percentile


@dataclass
class Run:
    """What one script run sent back: metrics, the slider, exceptions, and when."""

    metrics: dict[str, str] = field(default_factory=dict)
    slider: object = None  # the Slider proto of the page's slider
    fragment_id: str = ""
    page_hash: str = ""
    exceptions: list[str] = field(default_factory=list)
    accuracy_at: float | None = None  # perf_counter() when "Test accuracy" arrived


async def collect(socket, label: str, run: Run) -> Run:
    """Read forward messages until the script run finishes."""
    while True:
        message = ForwardMsg()
        message.ParseFromString(await socket.recv())
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            return run
        if kind == "new_session":
            run.page_hash = message.new_session.page_script_hash
        if kind != "delta" or message.delta.WhichOneof("type") != "new_element":
            continue
        element = message.delta.new_element
        shown = element.WhichOneof("type")
        if shown == "metric":
            run.metrics[element.metric.label] = element.metric.body
            if element.metric.label == "Test accuracy" and run.accuracy_at is None:
                run.accuracy_at = time.perf_counter()
        elif shown == "slider" and element.slider.label.startswith(label):
            run.slider, run.fragment_id = element.slider, message.delta.fragment_id
        elif shown == "exception":
            run.exceptions.append(element.exception.message)


def rerun(page_name: str, page_hash: str = "", fragment_id: str = "", slider=None, value=None):
    """A rerun request: the whole page, or the fragment with a new slider value."""
    message = BackMsg()
    request = message.rerun_script
    request.query_string, request.page_name = "", page_name
    request.page_script_hash, request.fragment_id = page_hash, fragment_id
    if slider is not None:
        state = request.widget_states.widgets.add()
        state.id = slider.id
        state.double_array_value.data.append(value)
    return message.SerializeToString()


async def client(server, number: int, seconds: float, start, load: dict, results: dict):
    page_file, label = PAGES[number % 2]
    page_name = live_app.page_url(server, page_file).rsplit("/", 1)[1]
    step_count = 1 + number // 2  # each client its own step, so its own values
    uri = server.url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(uri, subprotocols=["streamlit"], max_size=None) as socket:
        await socket.send(rerun(page_name))
        first = await collect(socket, label, Run())
        slider, page_hash = first.slider, first.page_hash
        value, direction = slider.default[0], 1
        readings, accuracy_times, run_times, errors = [], [], [], list(first.exceptions)
        if await start.wait() == 0:  # every client has its page: the load starts now
            load.update(started=time.monotonic(), cpu=server.cpu_seconds(), rss=server.rss_kib())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            target = round(value + direction * step_count * slider.step, 6)
            if not slider.min <= target <= slider.max:
                direction = -direction
                continue
            value = target
            sent = time.perf_counter()
            await socket.send(rerun(page_name, page_hash, first.fragment_id, slider, value))
            run = await collect(socket, label, Run())
            finished = time.perf_counter()
            accuracy_times.append((run.accuracy_at or finished) - sent)
            run_times.append(finished - sent)
            readings.append((value, run.metrics))
            errors += run.exceptions
    results[number] = {
        "page": page_file,
        "readings": readings,
        "accuracy_times": accuracy_times,
        "run_times": run_times,
        "errors": errors,
    }


async def run(sessions: int, seconds: float) -> dict:
    log = Path(tempfile.mkdtemp(prefix="ws-load-")) / "streamlit.log"
    server = live_app.start_server(log)
    try:
        peak, results, load = [0], {}, {}
        start = asyncio.Barrier(sessions)

        async def watch_memory() -> None:
            while len(results) < sessions:
                peak[0] = max(peak[0], server.rss_kib())
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch_memory())
        await asyncio.gather(
            *(client(server, n, seconds, start, load, results) for n in range(sessions))
        )
        await watcher
        elapsed = time.monotonic() - load["started"]
        server_cpu = server.cpu_seconds() - load["cpu"]
        rss_before, rss_after = load["rss"], server.rss_kib()
    finally:
        server.stop()
    return {
        "results": results,
        "elapsed": elapsed,
        "server_cpu": server_cpu,
        "rss": (rss_before, peak[0], rss_after),
        "log": log.read_text(errors="replace"),
    }


def main() -> int:
    outcome = run_and_check(run, __doc__)
    results, mismatches, errors = outcome["results"], outcome["mismatches"], outcome["errors"]
    accuracy = [t for r in results.values() for t in r["accuracy_times"]]
    whole = [t for r in results.values() for t in r["run_times"]]
    print(f"| websocket clients | {len(results)} for {outcome['elapsed']:.0f} s |")
    print("|---|---|")
    rate = len(whole) / outcome["elapsed"]
    print(f"| slider changes answered | {len(whole)} ({rate:.1f} per s) |")
    for name, times in (("new accuracy received", accuracy), ("run finished", whole)):
        print(
            f"| {name} | median {1000 * statistics.median(times):,.0f} ms, "
            f"90th percentile {1000 * percentile(times, 0.9):,.0f} ms |"
        )
    print(
        f"| server CPU time | {outcome['server_cpu']:.1f} s in {outcome['elapsed']:.0f} s, "
        f"{outcome['server_cpu'] / max(len(whole), 1):.2f} s per change |"
    )
    print(f"| readings different from `measure` | {len(mismatches)} |")
    tracebacks = outcome["log"].count("Traceback")
    print(f"| exceptions sent / tracebacks in the server log | {len(errors)} / {tracebacks} |")
    print(memory_row(outcome["rss"]))
    for mismatch in mismatches[:10]:
        print("mismatch:", mismatch)
    return 0 if not mismatches and not errors and not tracebacks else 1


if __name__ == "__main__":
    raise SystemExit(main())
