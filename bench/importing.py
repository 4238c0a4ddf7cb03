"""Benchmark importing a long numbered text: ``python bench/importing.py``.

Builds numbered texts of 2,000 and 20,000 paragraphs (each numbered paragraph with three
lettered sub-paragraphs, ~6.5 bytes a paragraph like the 130 KB file that once took 113 s),
imports each through the HTTP API (POST /api/documents/import: parsing, checks, the bulk
inserts, the audit entry and the Draft snapshot, one commit) into a fresh SQLite database
and prints the medians of 3 runs; while the 20,000-paragraph import runs, /healthz is asked
from a second thread to show whether other requests wait for it.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = (2_000, 20_000)
REPEAT = 3
LIMITS = {2_000: 1.5, 20_000: 10.0}  # seconds the imports must stay under


def numbered_text(paragraphs: int) -> bytes:
    """n/4 numbered paragraphs, each with a., b., c. under it."""
    lines = []
    for n in range(1, paragraphs // 4 + 1):
        lines.append(f"{n}. Act.")
        lines.extend(f"{letter}. Do." for letter in "abc")
    return "\n".join(lines).encode("utf-8")


def main() -> int:
    os.environ.setdefault("DRAFTING_INSTANCE", tempfile.mkdtemp(prefix="drafting-bench-"))
    folder = Path(os.environ["DRAFTING_INSTANCE"])
    from flask_migrate import upgrade

    from drafting import create_app, demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SCHEDULER_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade()
        demo.load()
    client = app.test_client()
    login = client.post(
        "/api/login", json={"email": "panama@demo.test", "password": "demo-password"}
    )
    token = login.get_json()["csrf_token"]

    def run(data: bytes) -> float:
        start = time.perf_counter()
        response = client.post(
            "/api/documents/import",
            data={"file": (io.BytesIO(data), "long.txt"), "symbol": "BENCH/1"},
            content_type="multipart/form-data",
            headers={"X-CSRFToken": token},
        )
        elapsed = time.perf_counter() - start
        assert response.status_code == 201, response.get_json()
        return elapsed

    health: list[float] = []

    def ask_health(stop: threading.Event) -> None:
        other = app.test_client()
        while not stop.is_set():
            start = time.perf_counter()
            other.get("/healthz")
            health.append(time.perf_counter() - start)
            time.sleep(0.2)

    results = {}
    for size in SIZES:
        data = numbered_text(size)
        stop = threading.Event()
        watcher = threading.Thread(target=ask_health, args=(stop,))
        if size == max(SIZES):
            watcher.start()
        timings = [run(data) for _ in range(REPEAT)]
        stop.set()
        if watcher.is_alive():
            watcher.join()
        results[size] = (len(data), statistics.median(timings), timings)

    print(f"\nimport through the HTTP API, median of {REPEAT} runs, one process, SQLite\n")
    print(f"{'paragraphs':>10}  {'file':>8}  {'median':>8}  runs")
    for size, (length, middle, timings) in results.items():
        runs = ", ".join(f"{t:.2f}" for t in timings)
        print(f"{size:>10,}  {length / 1024:>5.0f} KB  {middle:>6.2f} s  {runs}")
    if health:
        print(f"\n/healthz during the {max(SIZES):,}-paragraph imports: {len(health)} requests, "
              f"slowest {max(health):.2f} s")  # fmt: skip
    slow = [size for size, (_, middle, _) in results.items() if middle >= LIMITS[size]]
    if slow:
        print("\nSLOWER THAN ALLOWED: " + ", ".join(f"{s:,} ({LIMITS[s]} s)" for s in slow))
        return 1
    print("\nall imports within " + ", ".join(f"{LIMITS[s]} s ({s:,})" for s in SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
