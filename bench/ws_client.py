"""A browser tab without a browser: Streamlit's own messages on ``/_stcore/stream``.

Shared by ``bench/ws_load_test.py`` (a class moving sliders) and ``bench/session_churn.py``
(sessions opened and closed). A tab loads the page's HTML first, as a browser does, and
sends back the cookies it got: behind the proxy of ``bench/proxy_cluster.py`` that cookie
keeps the tab on one server. Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookies
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import live_app

ANSWER_SECONDS = 300.0  # the longest wait for one script run, even on a crowded machine
CONNECT_SECONDS = 60.0  # the longest wait for the page's HTML or the websocket to open


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


def cookie_header(set_cookie_headers: list[str]) -> str:
    """The ``Cookie`` header a browser sends back after these ``Set-Cookie`` headers."""
    jar = http.cookies.SimpleCookie()
    for header in set_cookie_headers:
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def load_html(address: str) -> str:
    """GET the page as a browser does first; the cookies it set, as a ``Cookie`` header."""
    with urllib.request.urlopen(address, timeout=CONNECT_SECONDS) as reply:
        reply.read()
        return cookie_header(reply.headers.get_all("Set-Cookie") or [])


def next_position(value: float, direction: int, stride: float, low: float, high: float):
    """The slider's next value ``stride`` away, turning back at either end: (value, direction).

    A stride longer than the slider's range is cut to the range, so this always moves.
    """
    stride = min(stride, high - low)
    target = round(value + direction * stride, 6)
    if not low <= target <= high:
        direction = -direction
        target = round(value + direction * stride, 6)
    return min(max(target, low), high), direction


@dataclass
class Tab:
    """One open page on one websocket: its slider, and the first run's numbers."""

    socket: object
    page_name: str
    label: str
    first: Run = field(default_factory=Run)

    async def run(self, message: bytes) -> Run:
        """Send a rerun request; the run it started, read to its end (within the deadline)."""
        async with asyncio.timeout(ANSWER_SECONDS):
            await self.socket.send(message)
            return await collect(self.socket, self.label, Run())

    async def change(self, value: float) -> tuple[Run, float, float]:
        """Move the slider to ``value``: the run, seconds to the new accuracy, to the end."""
        first = self.first
        request = rerun(self.page_name, first.page_hash, first.fragment_id, first.slider, value)
        sent = time.perf_counter()
        run = await self.run(request)
        finished = time.perf_counter()
        return run, (run.accuracy_at or finished) - sent, finished - sent

    def step(self, value: float, direction: int, steps: int) -> tuple[float, int]:
        """``steps`` slider steps from ``value``, turning back at the ends."""
        slider = self.first.slider
        return next_position(value, direction, steps * slider.step, slider.min, slider.max)


@contextlib.asynccontextmanager
async def open_tab(server, page_file: str, label: str) -> AsyncIterator[Tab]:
    """Open ``page_file`` on ``server`` (anything with a ``url``), run it once, and yield it."""
    address = live_app.page_url(server, page_file)
    cookie = await asyncio.to_thread(load_html, address)
    uri = server.url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(
        uri,
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=CONNECT_SECONDS,
        additional_headers={"Cookie": cookie} if cookie else None,
    ) as socket:
        tab = Tab(socket, address.rsplit("/", 1)[1], label)
        tab.first = await tab.run(rerun(tab.page_name))
        if tab.first.slider is None:
            raise RuntimeError(f"no slider {label!r} on {address} ({tab.first.exceptions[:1]})")
        yield tab
