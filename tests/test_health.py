"""/healthz answers for the load balancer."""

from __future__ import annotations

import json
import logging


def test_healthz_reports_the_database(client, demo):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["problems"] == []


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
