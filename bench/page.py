"""Document page benchmark: ``python bench/page.py`` (see bench/README.md for the figures).

Loads the demo into a temporary SQLite database, logs in as the PPT and requests
``GET /documents/<id>`` of the demo document: prints the SQL statements and membership
(role) lookups one request issues, and the median time of 20 requests.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.statements: the counter the tests use

REPEAT = 20
PPT = "panama@demo.test"


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="drafting-page-"))
    os.environ["DRAFTING_INSTANCE"] = str(workdir / "instance")
    from flask_migrate import upgrade
    from support.statements import counting

    from drafting import create_app, demo
    from drafting.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SCHEDULER_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'page.db'}",
        }
    )
    with app.app_context():
        upgrade()
        document_id = demo.load().id
        engine = db.engine
    client = app.test_client()
    response = client.post("/api/login", json={"email": PPT, "password": "demo-password"})
    assert response.status_code == 200, response.get_json()
    url = f"/documents/{document_id}"
    client.get(url)  # warm the template cache
    with counting(engine) as seen:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    print(f"GET {url} as the PPT (SQLite, demo document)")
    print(f"  SQL statements:     {len(seen)}")
    print(f"  membership lookups: {seen.memberships}")
    print(f"  median:             {statistics.median(times):.1f} ms over {REPEAT} requests")


if __name__ == "__main__":
    main()
