"""The class and cluster benchmarks' pure parts: the nginx config they run, the logs and
metrics they read, the slider moves they make. No server is started here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bench import proxy_cluster, session_churn, ws_client, ws_load_test

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = proxy_cluster.SITE_CONFIG.read_text()
CHANGED = re.compile(r"^\s*(listen|server)\s+[^;]+;\s*$")


def directives(config: str) -> list[str]:
    """Every non-comment line, stripped."""
    lines = (line.split("#", 1)[0].strip() for line in config.splitlines())
    return [line for line in lines if line]


def test_the_shipped_config_keeps_people_on_one_server_and_passes_websockets_on():
    lines = directives(SHIPPED)
    assert "hash $cx_route consistent;" in lines
    assert "ip_hash;" not in lines  # a class behind one address would all land on one server
    assert "proxy_set_header Upgrade $http_upgrade;" in lines
    assert "proxy_set_header Connection $connection_upgrade;" in lines
    assert "proxy_http_version 1.1;" in lines
    assert "add_header Set-Cookie $cx_route_cookie;" in lines


def test_the_proxy_takes_the_largest_upload_the_app_takes():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    app_limit = config["server"]["maxUploadSize"]  # MB
    proxy_limit = re.search(r"client_max_body_size\s+(\d+)m;", SHIPPED)
    assert proxy_limit and int(proxy_limit[1]) > app_limit  # room for the form's own bytes


def test_rendering_changes_only_the_listen_line_and_the_servers():
    rendered = proxy_cluster.render_site(SHIPPED, 18080, [18501, 18502, 18503])
    lines = directives(rendered)
    assert [line for line in lines if line.startswith("listen")] == ["listen 127.0.0.1:18080;"]
    upstream = proxy_cluster.UPSTREAM.search(rendered)["body"]
    assert directives(upstream) == [
        "hash $cx_route consistent;",
        "server 127.0.0.1:18501;",
        "server 127.0.0.1:18502;",
        "server 127.0.0.1:18503;",
    ]
    unchanged = [line for line in SHIPPED.splitlines() if not CHANGED.match(line)]
    assert [line for line in rendered.splitlines() if not CHANGED.match(line)] == unchanged


def test_rendering_refuses_a_config_it_cannot_place():
    with pytest.raises(ValueError, match="upstream"):
        proxy_cluster.render_site("server { listen 80; }", 1, [2])
    with pytest.raises(ValueError, match="listen"):
        proxy_cluster.render_site("upstream compression_explorer { server a:1; }", 1, [2])
    with pytest.raises(ValueError, match="port"):
        proxy_cluster.render_site(SHIPPED, 1, [])


def test_every_file_nginx_writes_is_inside_the_cluster_folder(tmp_path):
    config = proxy_cluster.main_config(tmp_path, tmp_path / "site.conf")
    paths = re.findall(
        r"^\s*(?:pid|error_log|access_log|\w+_temp_path|include)\s+(\S+?);?\s", config, re.M
    )
    assert len(paths) == 9
    assert all(Path(path).parent == tmp_path for path in paths)


ACCESS_LOG = "\n".join(
    [
        "aaa\t127.0.0.1:8501\t200\tGET /Prune HTTP/1.1",
        "aaa\t127.0.0.1:8501\t101\tGET /_stcore/stream HTTP/1.1",
        "bbb\t127.0.0.1:8502\t200\tGET /Binarize HTTP/1.1",
        "bbb\t127.0.0.1:8502\t101\tGET /_stcore/stream HTTP/1.1",
        "ccc\t127.0.0.1:8501, 127.0.0.1:8502\t200\tGET /Prune HTTP/1.1",  # retried
        "ccc\t127.0.0.1:8501\t101\tGET /_stcore/stream HTTP/1.1",
        "ddd\t-\t400\tGET /bad HTTP/1.1",  # never proxied
        "not a log line",
    ]
)


def test_the_access_log_says_where_each_person_went():
    assert proxy_cluster.routes(ACCESS_LOG) == {
        "aaa": {"127.0.0.1:8501"},
        "bbb": {"127.0.0.1:8502"},
        "ccc": {"127.0.0.1:8502", "127.0.0.1:8501"},
    }
    assert proxy_cluster.websocket_servers(ACCESS_LOG) == {"127.0.0.1:8501": 2, "127.0.0.1:8502": 1}
    rows, sticky = ws_load_test.stickiness_rows(ACCESS_LOG)
    assert not sticky  # ccc's page came from one server and its websocket went to another
    assert rows[1] == "| clients whose requests all reached one server | 2 of 3 |"
    rows, sticky = ws_load_test.stickiness_rows("\n".join(ACCESS_LOG.splitlines()[:4]))
    assert (
        sticky
        and rows[0] == "| tabs per app server (nginx log) | 127.0.0.1:8501 1, 127.0.0.1:8502 1 |"
    )


def test_a_slider_turns_back_at_its_ends_and_always_moves():
    assert ws_client.next_position(0.5, 1, 0.25, 0.0, 1.0) == (0.75, 1)
    assert ws_client.next_position(0.9, 1, 0.25, 0.0, 1.0) == (0.65, -1)
    assert ws_client.next_position(0.1, -1, 0.25, 0.0, 1.0) == (0.35, 1)
    assert ws_client.next_position(0.0, 1, 5.0, 0.0, 1.5) == (1.5, 1)  # stride cut to range
    assert ws_client.next_position(1.5, 1, 5.0, 0.0, 1.5) == (0.0, -1)


def test_the_cookies_a_tab_sends_back():
    assert ws_client.cookie_header([]) == ""
    headers = ["cx_route=abc123; Path=/; HttpOnly; SameSite=Lax", "other=1; Path=/"]
    assert ws_client.cookie_header(headers) == "cx_route=abc123; other=1"


def test_session_counts_from_streamlits_metrics():
    text = (
        "# TYPE session_events counter\n"
        'session_events_total{type="connect"} 303\n'
        'session_events_total{type="reconnect"} 0\n'
        'session_events_total{type="disconnect"} 303\n'
        "session_duration_seconds_total 2500.5\n"
        "active_sessions 0\n"
    )
    assert session_churn.session_counts(text) == {
        "connect": 303,
        "reconnect": 0,
        "disconnect": 303,
        "active": 0,
    }


def test_tabs_open_evenly_over_the_run():
    assert session_churn.start_times(4, 10) == [0.0, 2.5, 5.0, 7.5]
    assert len(session_churn.start_times(300, 600)) == 300
