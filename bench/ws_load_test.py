"""A classroom without browsers: many websocket clients moving sliders on one server or more.

Run from the repository root:

    python -m bench.ws_load_test [--sessions 10] [--seconds 60]        # a drag that never pauses
    python -m bench.ws_load_test --sessions 30 --seconds 180 --pause 2 3  # a class at once
    python -m bench.ws_load_test --sessions 30 --seconds 180 --pause 2 3 --servers 2  # behind nginx

Each client speaks Streamlit's own protocol (``bench/ws_client.py``: the messages the
browser sends and receives on ``/_stcore/stream``): it loads the Prune or the Binarize
page with the shipped mlp, then, once every client is open, keeps moving its own slider
by its own step for ``--seconds``, each change a rerun of the page's fragment with the new
slider value, as the browser sends it. Without ``--pause`` a client sends its next value
as soon as the last one is answered; with ``--pause MIN MAX`` it starts a change every MIN
to MAX seconds (drawn at random, the same draws on every run), or as soon as the last is
answered if that took longer: a person who moves, reads, and moves again. No browser draws
anything, so this measures the server alone: the time from sending a change to receiving
the new "Test accuracy" and to the end of the run.

With ``--servers N`` (or ``--proxy``) the clients go through nginx to N app servers
(``bench/proxy_cluster.py``, the config in ``deploy/nginx.conf``); nginx's access log
then shows which server each client's requests reached, and every client must have
stayed on one.

Afterwards it checks, as ``bench/load_test.py`` does for browsers, that every reading
equals ``compression.measure.measure`` for the value sent, that no exception was sent and
the server log holds no traceback, and it reports the servers' CPU time and resident
memory (from the moment every client has its page).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import websockets

from bench import live_app, proxy_cluster, ws_client
from bench.load_test import PAGES, checked, memory_row, session_arguments
from bench.percentile import percentile

GOAL_SECONDS = 1.0  # a class's 90th percentile to the new numbers should stay under this
MAX_SESSIONS, MAX_SECONDS, MAX_PAUSE, MAX_SERVERS = 200, 3_600, 60, 16
CLIENT_FAILURES = (
    OSError,
    TimeoutError,
    RuntimeError,
    websockets.WebSocketException,
    asyncio.BrokenBarrierError,
)


async def client(server, number: int, args, start: asyncio.Barrier, load: dict, results: dict):
    """One person: open a page, wait for the class, then move the slider until time is up."""
    page_file, label = PAGES[number % 2]
    steps = 1 + number // 2  # each client its own step, so its own values
    pauses = random.Random(number)
    record = results[number] = {
        "page": page_file,
        "readings": [],
        "accuracy_times": [],
        "run_times": [],
        "errors": [],
    }
    try:
        async with ws_client.open_tab(server, page_file, label) as tab:
            record["errors"] += tab.first.exceptions
            value, direction = tab.first.slider.default[0], 1
            if await start.wait() == 0:  # every client has its page: the load starts now
                load.update(started=time.monotonic(), cpu=server.cpu_seconds())
                load.update(rss=server.rss_kib(), proxy_cpu=proxy_cpu(server))
            end = time.monotonic() + args.seconds
            while time.monotonic() < end:
                due = time.monotonic() + pauses.uniform(*args.pause)
                value, direction = tab.step(value, direction, steps)
                run, to_accuracy, to_end = await tab.change(value)
                record["accuracy_times"].append(to_accuracy)
                record["run_times"].append(to_end)
                record["readings"].append((value, run.metrics))
                record["errors"] += run.exceptions
                await asyncio.sleep(max(0.0, min(due, end) - time.monotonic()))
    except CLIENT_FAILURES as error:
        start.abort()  # nobody waits for a client that will never come
        record["errors"].append(f"client {number}: {type(error).__name__}: {error}"[:300])


def proxy_cpu(server) -> float:
    return server.proxy_cpu_seconds() if isinstance(server, proxy_cluster.Cluster) else 0.0


async def run(args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="ws-load-"))
    if args.servers > 1 or args.proxy:
        server = proxy_cluster.start_cluster(args.servers, folder)
    else:
        server = live_app.start_server(folder / "streamlit.log")
    try:
        peak, results, load = [0], {}, {}
        start = asyncio.Barrier(args.sessions)
        clients = asyncio.gather(
            *(client(server, n, args, start, load, results) for n in range(args.sessions))
        )

        async def watch_memory() -> None:
            while not clients.done():
                peak[0] = max(peak[0], server.rss_kib())
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch_memory())
        await clients
        await watcher
        now = time.monotonic()
        elapsed = now - load.get("started", now)
        server_cpu = server.cpu_seconds() - load.get("cpu", 0.0)
        nginx_cpu = proxy_cpu(server) - load.get("proxy_cpu", 0.0)
        rss_now = server.rss_kib()
        rss = (load.get("rss", rss_now), max(peak[0], rss_now), rss_now)
        per_server = [s.rss_kib() for s in getattr(server, "servers", [server])]
    finally:
        server.stop()
    return {
        "results": results,
        "elapsed": elapsed,
        "server_cpu": server_cpu,
        "nginx_cpu": nginx_cpu,
        "rss": rss,
        "rss_per_server": per_server,
        "log": server.log_text(),
        "access_log": server.access_log() if isinstance(server, proxy_cluster.Cluster) else None,
    }


def arguments():
    parser = session_arguments(__doc__)
    parser.add_argument(
        "--pause",
        nargs=2,
        type=float,
        default=(0.0, 0.0),
        metavar=("MIN", "MAX"),
        help="start a change every MIN to MAX seconds (default 0 0: back to back)",
    )
    parser.add_argument("--servers", type=int, default=1, help="app servers; over 1: via nginx")
    parser.add_argument("--proxy", action="store_true", help="through nginx even with 1 server")
    args = parser.parse_args()
    low, high = args.pause
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions is 1 to {MAX_SESSIONS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds is above 0 and at most {MAX_SECONDS}")
    if not 0 <= low <= high <= MAX_PAUSE:
        parser.error(f"--pause MIN MAX needs 0 <= MIN <= MAX <= {MAX_PAUSE}")
    if not 1 <= args.servers <= MAX_SERVERS:
        parser.error(f"--servers is 1 to {MAX_SERVERS}")
    return args


def stickiness_rows(access_log: str) -> tuple[list[str], bool]:
    """Table rows on where the clients' requests went; True if each stayed on one server.

    A client is a route key with a websocket; its page's HTML came with the same key.
    """
    entries = proxy_cluster.log_entries(access_log)
    with_tab = {route for route, _, request in entries if proxy_cluster.is_websocket(request)}
    servers = proxy_cluster.routes(access_log)
    sticky = sum(len(servers[route]) == 1 for route in with_tab)
    tabs = proxy_cluster.websocket_servers(access_log)
    shares = ", ".join(f"{address} {count}" for address, count in sorted(tabs.items()))
    rows = [
        f"| tabs per app server (nginx log) | {shares or 'none'} |",
        f"| clients whose requests all reached one server | {sticky} of {len(with_tab)} |",
    ]
    return rows, sticky == len(with_tab) > 0


def main() -> int:
    args = arguments()
    load_start = os.getloadavg()[0]
    outcome = checked(asyncio.run(run(args)), load_start)
    results, mismatches, errors = outcome["results"], outcome["mismatches"], outcome["errors"]
    accuracy = [t for r in results.values() for t in r["accuracy_times"]]
    whole = [t for r in results.values() for t in r["run_times"]]
    if not whole:
        print("no slider change was answered:", *errors[:10], sep="\n")
        return 1
    elapsed = max(outcome["elapsed"], 1e-9)
    low, high = args.pause
    rhythm = f", a change every {low:g}-{high:g} s" if high else ", changes back to back"
    print(f"| websocket clients | {len(results)} for {outcome['elapsed']:.0f} s{rhythm} |")
    print("|---|---|")
    print(f"| slider changes answered | {len(whole)} ({len(whole) / elapsed:.1f} per s) |")
    for name, times in (("new accuracy received", accuracy), ("run finished", whole)):
        print(
            f"| {name} | median {1000 * statistics.median(times):,.0f} ms, "
            f"90th percentile {1000 * percentile(times, 0.9):,.0f} ms |"
        )
    print(
        f"| app server CPU time | {outcome['server_cpu']:.1f} s in {outcome['elapsed']:.0f} s, "
        f"{outcome['server_cpu'] / max(len(whole), 1):.2f} s per change |"
    )
    print(f"| readings different from `measure` | {len(mismatches)} |")
    tracebacks = outcome["log"].count("Traceback")
    print(f"| exceptions sent / tracebacks in the server log | {len(errors)} / {tracebacks} |")
    print(memory_row(outcome["rss"]))
    sticky = True
    if outcome["access_log"] is not None:
        each = ", ".join(f"{kib / 1024:.0f} MiB" for kib in outcome["rss_per_server"])
        print(f"| memory of each app server after the load | {each} |")
        print(f"| nginx CPU time | {outcome['nginx_cpu']:.2f} s |")
        rows, sticky = stickiness_rows(outcome["access_log"])
        print("\n".join(rows))
    ninetieth = percentile(accuracy, 0.9)
    met = ninetieth < GOAL_SECONDS and not mismatches and not errors and not tracebacks
    print(
        f"goal (90th percentile to the new accuracy under {GOAL_SECONDS:g} s, 0 wrong, "
        f"0 errors): {'met' if met else 'not met'}"
    )
    for mismatch in mismatches[:10]:
        print("mismatch:", mismatch)
    for error in errors[:10]:
        print("error:", error)
    return 0 if not mismatches and not errors and not tracebacks and sticky else 1


if __name__ == "__main__":
    raise SystemExit(main())
