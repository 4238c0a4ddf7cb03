"""/healthz answers for the load balancer."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import requests
from support.live_server import serve


def test_healthz_reports_the_database(client, demo):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["async_mode"] == "threading"  # tests, the CLI and WSGI imports never patch


def test_the_server_runs_gevent_unless_asked_for_threads(databases, tmp_path):
    with serve(databases, tmp_path) as server:  # SOCKETIO_ASYNC_MODE empty, as by default
        health = requests.get(f"{server.url}/healthz", timeout=5).json()
    assert health["async_mode"] == "gevent"


def test_an_unknown_async_mode_stops_the_server_with_a_clear_message(tmp_path):
    env = {**os.environ, "SOCKETIO_ASYNC_MODE": "fibers", "DRAFTING_INSTANCE": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "drafting.server"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SOCKETIO_ASYNC_MODE must be one of threading, gevent, not 'fibers'" in result.stderr


def test_healthz_is_503_when_the_queue_is_unreachable(app, client, demo):
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["problems"][0].startswith("message queue")


def test_json_log_lines():
    from drafting.health import JsonFormatter

    record = logging.LogRecord("drafting", logging.INFO, __file__, 1, "edit %s", ("stored",), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "edit stored" and line["level"] == "INFO"


def test_the_server_leaves_what_it_started_with_out_of_garbage_collections(live_server):
    health = requests.get(f"{live_server.url}/healthz", timeout=10).json()
    assert health["gc_frozen"] > 10_000  # the app, its modules and models: frozen at start


def test_an_app_outside_the_server_freezes_nothing(client):
    assert client.get("/healthz").get_json()["gc_frozen"] == 0
