"""People come and go: many sessions opened and closed on one server, then its memory.

Run from the repository root (about 11 minutes with the defaults):

    python -m bench.session_churn [--sessions 300] [--seconds 600] [--ttl 30]

The server runs with ``--server.disconnectedSessionTTL`` set to ``--ttl`` seconds
(Streamlit's default is 120): a closed tab's session is kept that long for a reconnect,
then dropped, so the run sees its sessions expire. Three phases, with websocket clients
that speak Streamlit's protocol (``bench/ws_client.py``):

1. Warm-up: a tab on Prune and one on Binarize move their slider once and close; the
   server is left alone until it is idle (its worker has measured both sliders ahead).
   Its memory then is the start.
2. Churn: ``--sessions`` tabs open one after another, evenly over ``--seconds``, Prune
   and Binarize in turn; each moves its own slider ``--changes`` times, a change every
   2 to 3 s, and closes.
3. Expiry: ``--ttl`` + 15 s after the last tab closed, one more tab opens and closes (the
   next visitor: Streamlit drops expired sessions when it stores the next one), and the
   server is left alone until idle. Its memory then is the end.

It checks that the end is within 15% of the start, that every reading equals
``compression.measure.measure``, that no exception was sent and the log holds no
traceback, and that the server reports no session still open (``/_stcore/metrics``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import live_app, ws_client
from bench.load_test import PAGES, checked, memory_row
from bench.ws_load_test import CLIENT_FAILURES
from ui.state.prefetch import QUIET_SECONDS

MEMORY_GOAL = 1.15  # the end's memory at most this multiple of the start's
EXPIRY_MARGIN = 15.0  # seconds past the TTL before the next visitor comes
IDLE_SECONDS = QUIET_SECONDS + 3  # longer than the worker waits for quiet pages
MAX_SESSIONS, MAX_SECONDS, MAX_TTL, MAX_CHANGES = 5_000, 7_200, 3_600, 50
METRIC_LINE = re.compile(r'^(active_sessions|session_events_total\{type="(\w+)"\})\s+(\d+)\s*$')


def session_counts(metrics_text: str) -> dict[str, int]:
    """{"active": n, "connect": n, "disconnect": n, ...} from Streamlit's /_stcore/metrics."""
    counts = {}
    for line in metrics_text.splitlines():
        found = METRIC_LINE.match(line)
        if found:
            counts["active" if found[1] == "active_sessions" else found[2]] = int(found[3])
    return counts


def read_session_counts(server) -> dict[str, int]:
    with urllib.request.urlopen(server.url + "/_stcore/metrics", timeout=30) as reply:
        return session_counts(reply.read().decode(errors="replace"))


def start_times(sessions: int, seconds: float) -> list[float]:
    """When each tab opens, in seconds from the start: evenly spread, the first at 0."""
    return [number * seconds / sessions for number in range(sessions)]


async def visit(server, number: int, changes: int, results: dict) -> None:
    """One person: open a page, move its slider ``changes`` times 2-3 s apart, close."""
    page_file, label = PAGES[number % 2]
    steps, pauses = 1 + number % 5, random.Random(number)
    record = results[number] = {"page": page_file, "readings": [], "errors": []}
    try:
        async with ws_client.open_tab(server, page_file, label) as tab:
            record["errors"] += tab.first.exceptions
            value, direction = tab.first.slider.default[0], 1
            for _ in range(changes):
                due = time.monotonic() + pauses.uniform(2.0, 3.0)
                value, direction = tab.step(value, direction, steps)
                run, _, _ = await tab.change(value)
                record["readings"].append((value, run.metrics))
                record["errors"] += run.exceptions
                await asyncio.sleep(max(0.0, due - time.monotonic()))
    except CLIENT_FAILURES as error:
        record["errors"].append(f"session {number}: {type(error).__name__}: {error}"[:300])


async def churn(server, args, results: dict, peak: list[int]) -> None:
    """Open ``args.sessions`` tabs on schedule; return when the last has closed."""
    began = time.monotonic()
    visits = []
    for number, offset in enumerate(start_times(args.sessions, args.seconds)):
        await asyncio.sleep(max(0.0, began + offset - time.monotonic()))
        peak[0] = max(peak[0], server.rss_kib())
        visits.append(asyncio.create_task(visit(server, number, args.changes, results)))
    while not all(task.done() for task in visits):
        peak[0] = max(peak[0], server.rss_kib())
        await asyncio.sleep(0.5)
    await asyncio.gather(*visits)


async def run(args) -> dict:
    log = Path(tempfile.mkdtemp(prefix="churn-")) / "streamlit.log"
    options = ["--server.disconnectedSessionTTL", str(args.ttl)]
    server = live_app.start_server(log, options=options)
    try:
        warm_up: dict = {}
        await asyncio.gather(*(visit(server, n, 1, warm_up) for n in range(2)))
        await asyncio.to_thread(live_app.wait_until_server_idle, server, IDLE_SECONDS)
        rss_start, peak, results = server.rss_kib(), [server.rss_kib()], {}
        began = time.monotonic()
        await churn(server, args, results, peak)
        churned = time.monotonic() - began
        await asyncio.sleep(args.ttl + EXPIRY_MARGIN)
        await visit(server, args.sessions, 1, results)  # the next visitor, also checked
        await asyncio.to_thread(live_app.wait_until_server_idle, server, IDLE_SECONDS)
        rss_end, counts = server.rss_kib(), read_session_counts(server)
    finally:
        server.stop()
    results.update({-1 - n: outcome for n, outcome in warm_up.items()})
    return {
        "results": results,
        "elapsed": churned,
        "rss": (rss_start, peak[0], rss_end),
        "counts": counts,
        "log": log.read_text(errors="replace"),
    }


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300, help="tabs opened (default 300)")
    parser.add_argument("--seconds", type=float, default=600, help="spread over (default 600)")
    parser.add_argument("--ttl", type=int, default=30, help="session expiry, s (default 30)")
    parser.add_argument("--changes", type=int, default=3, help="per tab (default 3)")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--sessions is 1 to {MAX_SESSIONS}, --seconds above 0, at most {MAX_SECONDS}")
    if not 1 <= args.ttl <= MAX_TTL or not 0 <= args.changes <= MAX_CHANGES:
        parser.error(f"--ttl is 1 to {MAX_TTL} and --changes 0 to {MAX_CHANGES}")
    return args


def main() -> int:
    args = arguments()
    load_start = os.getloadavg()[0]
    outcome = checked(asyncio.run(run(args)), load_start)
    results, mismatches, errors = outcome["results"], outcome["mismatches"], outcome["errors"]
    counts, tracebacks = outcome["counts"], outcome["log"].count("Traceback")
    start, _, end = outcome["rss"]
    changes = sum(len(r["readings"]) for r in results.values())
    print(
        f"| sessions opened and closed | {args.sessions} in {outcome['elapsed']:.0f} s "
        f"(+2 to warm up, +1 after expiry), session expiry {args.ttl} s |"
    )
    print("|---|---|")
    print(f"| slider changes answered | {changes} |")
    print(f"| readings different from `measure` | {len(mismatches)} |")
    print(f"| exceptions sent / tracebacks in the server log | {len(errors)} / {tracebacks} |")
    print(
        f"| sessions connected / disconnected / still open (/_stcore/metrics) | "
        f"{counts.get('connect')} / {counts.get('disconnect')} / {counts.get('active')} |"
    )
    print(memory_row(outcome["rss"]).replace("after", "after expiry"))
    print(f"| memory after expiry against the start | {end / start:.1%} |")
    met = end <= MEMORY_GOAL * start
    verdict = "met" if met else "not met"
    print(f"goal (memory after expiry within {MEMORY_GOAL - 1:.0%} of the start): {verdict}")
    for mismatch in mismatches[:10]:
        print("mismatch:", mismatch)
    for error in errors[:10]:
        print("error:", error)
    ok = met and not mismatches and not errors and not tracebacks and counts.get("active") == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
