"""Several app servers behind nginx on loopback, each person kept on one of them.

Run from the repository root (Debian's nginx: ``apt-get install -y nginx``):

    python -m bench.proxy_cluster [--servers 2] [--minutes 10]

It starts ``--servers`` copies of ``streamlit run app.py`` on free loopback ports, all with
one shared cookie secret, and nginx in front of them with ``deploy/nginx.conf``, changed
only to listen on a free loopback port and to send to those servers. It prints the
address, and stops everything after ``--minutes`` or at Ctrl+C. All it writes (the
rendered config, nginx's pid, logs and buffers, the servers' logs) goes to a new temporary
folder; nothing outside it changes. ``python -m bench.ws_load_test --servers N`` runs the
load test through such a cluster and checks from nginx's log that each client stayed on
one server.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench import live_app

SITE_CONFIG = live_app.ROOT / "deploy" / "nginx.conf"
INSTALL_HINT = "install it with `apt-get install -y nginx`"
UPSTREAM = re.compile(r"(upstream\s+compression_explorer\s*\{)(?P<body>[^}]*)\}")
SERVER_LINE = re.compile(r"^[ \t]*server\s+[^;#]+;[^\n]*\n", re.MULTILINE)
LISTEN_LINE = re.compile(r"^([ \t]*)listen\s+[^;#]+;[^\n]*\n", re.MULTILINE)
# Tab-separated: nginx escapes a tab inside a value (as \x09), so the fields split cleanly.
ROUTE_LOG_FORMAT = "\t".join(("$cx_route", "$upstream_addr", "$status", "$request"))
WEBSOCKET_PATH = "/_stcore/stream"
MAX_MINUTES = 24 * 60  # the standalone cluster stops by itself within a day at most


def render_site(site: str, listen_port: int, server_ports: Sequence[int]) -> str:
    """``deploy/nginx.conf`` listening on ``127.0.0.1:listen_port`` and proxying to
    ``127.0.0.1`` at each of ``server_ports``; every other line unchanged."""
    if not server_ports:
        raise ValueError("at least one server port is needed")
    upstream = UPSTREAM.search(site)
    if upstream is None:
        raise ValueError("the site config has no `upstream compression_explorer { ... }` block")
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in server_ports)
    body = SERVER_LINE.sub("", upstream["body"]).rstrip(" \t") + servers
    site = site[: upstream.start("body")] + body + site[upstream.end("body") :]
    listens = list(LISTEN_LINE.finditer(site))
    if not listens:
        raise ValueError("the site config has no `listen` line")
    first = listens[0]
    for line in reversed(listens[1:]):  # from the end, so earlier offsets stay right
        site = site[: line.start()] + site[line.end() :]
    ours = f"{first[1]}listen 127.0.0.1:{listen_port};\n"
    return site[: first.start()] + ours + site[first.end() :]


def main_config(folder: Path, site_file: Path) -> str:
    """An nginx main config whose every file (pid, logs, buffers) is inside ``folder``."""
    return f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    log_format route '{ROUTE_LOG_FORMAT}';
    access_log {folder}/access.log route;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site_file};
}}
"""


def log_entries(access_log: str) -> list[tuple[str, str, str]]:
    """(route key, server, request) of each proxied request in an access log written in
    :data:`ROUTE_LOG_FORMAT`; a request nginx retried on another server counts its last."""
    entries = []
    for line in access_log.splitlines():
        fields = line.split("\t")
        if len(fields) == 4 and fields[1] != "-":
            entries.append((fields[0], fields[1].split(",")[-1].strip(), fields[3]))
    return entries


def routes(access_log: str) -> dict[str, set[str]]:
    """{route key: the servers its requests went to}: one server each when sticky."""
    found: dict[str, set[str]] = defaultdict(set)
    for route, server, _ in log_entries(access_log):
        found[route].add(server)
    return dict(found)


def is_websocket(request: str) -> bool:
    """Whether a logged request line (``GET /_stcore/stream HTTP/1.1``) opened a tab's socket."""
    return request.split(" ")[1:2] == [WEBSOCKET_PATH]


def websocket_servers(access_log: str) -> Counter:
    """How many websockets (browser tabs) each server got."""
    return Counter(
        server for _, server, request in log_entries(access_log) if is_websocket(request)
    )


def nginx_path() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise FileNotFoundError(f"nginx is missing: {INSTALL_HINT}")
    return found


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (/proc/<pid>/stat), 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (nginx's workers): every /proc/<n>/stat naming it parent."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # gone meanwhile, or not readable
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Cluster:
    """App servers on loopback ports and the nginx process in front of them."""

    servers: list[live_app.Server]
    proxy: subprocess.Popen
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time of all the app servers together."""
        return sum(server.cpu_seconds() for server in self.servers)

    def rss_kib(self) -> int:
        """Resident memory of all the app servers together, in KiB."""
        return sum(server.rss_kib() for server in self.servers)

    def proxy_cpu_seconds(self) -> float:
        """CPU time of nginx (its master and workers)."""
        pid = self.proxy.pid
        return process_cpu_seconds(pid) + sum(map(process_cpu_seconds, children(pid)))

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_text(self) -> str:
        """Every server's log, one after the other."""
        return "\n".join(server.log_text() for server in self.servers)

    def stop(self) -> None:
        """nginx first (no new requests reach the servers), then every server."""
        if self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGTERM)
            try:
                self.proxy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait(timeout=30)
        for server in self.servers:
            server.stop()


def start_servers(count: int, folder: Path, options: Sequence[str] = ()) -> list[live_app.Server]:
    """``count`` app servers started at once, sharing one cookie secret (as replicas must:
    a cookie signed by one is then valid on all)."""
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with ThreadPoolExecutor(count) as pool:
        futures = [
            pool.submit(live_app.start_server, folder / f"streamlit-{n}.log", env, 180, options)
            for n in range(count)
        ]
        started, failure = [], None
        for future in futures:
            try:
                started.append(future.result())
            except (RuntimeError, OSError) as error:  # stop the others, then report
                failure = failure or error
    if failure is not None:
        for server in started:
            server.stop()
        raise failure
    return started


def start_proxy(folder: Path, server_ports: Sequence[int], timeout: float = 60):
    """nginx in the foreground on a free loopback port: (process, port), once it answers."""
    port = live_app.free_port()
    site = folder / "site.conf"
    site.write_text(render_site(SITE_CONFIG.read_text(), port, server_ports))
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site))
    if os.geteuid() == 0:
        folder.chmod(0o755)  # nginx's workers run as nobody and keep their buffers here
    command = [
        nginx_path(), "-p", str(folder), "-c", str(config),
        "-e", str(folder / "error.log"), "-g", "daemon off;",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = folder / "error.log"
            said = log.read_text(errors="replace") if log.exists() else "(no error log)"
            raise RuntimeError(f"nginx exited at start-up:\n{said}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=30)
    raise RuntimeError(f"nginx did not answer within {timeout:.0f} s")


def start_cluster(count: int, folder: Path | None = None, options: Sequence[str] = ()) -> Cluster:
    """``count`` app servers and nginx in front of them, all on loopback."""
    folder = folder or Path(tempfile.mkdtemp(prefix="cluster-"))
    nginx_path()  # before starting servers: a missing nginx is one clear line
    servers = start_servers(count, folder, options)
    try:
        proxy, port = start_proxy(folder, [server.port for server in servers])
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return Cluster(servers, proxy, port, folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2, help="app servers (default 2)")
    parser.add_argument("--minutes", type=float, default=10, help="stop after (default 10)")
    args = parser.parse_args()
    if not 1 <= args.servers <= 16 or not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--servers is 1 to 16 and --minutes above 0, at most {MAX_MINUTES}")
    cluster = start_cluster(args.servers)
    try:
        ports = ", ".join(str(server.port) for server in cluster.servers)
        print(f"{cluster.url} -> app servers on 127.0.0.1 ports {ports}; files in {cluster.folder}")
        print(f"stopping in {args.minutes:g} min, or press Ctrl+C", flush=True)
        time.sleep(60 * args.minutes)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    print("stopped; tabs per server:", dict(websocket_servers(cluster.access_log())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
