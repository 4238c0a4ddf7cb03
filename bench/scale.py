"""Document-scale costs: ``python bench/scale.py [--versions 50] [--sizes 50,200,500]``.

Builds documents of 50, 200 and 500 paragraphs with N versions each (6 delegations, word
edits, Rev.1 taken half-way) in a temporary database (SQLite, or DATABASE_URL), and prints
the median time of the whole HTTP request for GET document, `changes` from Rev.1 (cold and
warm attribution memo) and the docx / docx-tracked / Akoma Ntoso exports, with the growth
factor per paragraph so linear growth is easy to see.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from changes import build, median  # bench/changes.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--sizes", default="50,200,500")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.setdefault("DRAFTING_INSTANCE", tempfile.mkdtemp(prefix="drafting-scale-"))
    folder = Path(os.environ["DRAFTING_INSTANCE"])
    from flask_migrate import upgrade

    from drafting import create_app, demo
    from drafting.services import changes
    from drafting.text import textdiff

    uri = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'scale.db'}"
    from drafting.config import database_url

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(uri, str(folder)),
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SCHEDULER_ENABLED": False,
            "SOCKETIO_MESSAGE_QUEUE": None,
        }
    )
    with app.app_context():
        from drafting.cli import drop_everything

        drop_everything()
        upgrade()
        demo.load()
        ids = {}
        for size in sizes:
            started = time.perf_counter()
            ids[size] = build(size, args.versions, args.versions // 2, seed=size)
            print(
                f"built {size} paragraphs x {args.versions} versions in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
    client = app.test_client()
    client.post("/api/login", json={"email": "mexico@demo.test", "password": "demo-password"})

    def get(url: str):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    calls = {
        "GET document": "/api/documents/{id}",
        "changes from Rev.1, cold": "/api/documents/{id}/changes?from=Rev.1",
        "changes from Rev.1, warm": "/api/documents/{id}/changes?from=Rev.1",
        "export docx": "/api/documents/{id}/export?format=docx",
        "export docx-tracked": "/api/documents/{id}/export?format=docx-tracked&from=Rev.1",
        "export akn": "/api/documents/{id}/export?format=akn",
    }
    print(
        f"\nmedians of 7 requests (ms), {args.versions} versions per paragraph, diff backend "
        f"{textdiff.BACKEND}, database {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
    )
    header = "".join(f"{s:>10}" for s in sizes)
    print(f"{'call':<28}{header}   ms per paragraph")
    for name, url in calls.items():
        figures = []
        for size in sizes:
            before = changes.clear_cache if name.endswith("cold") else None
            figures.append(median(get(url.format(id=ids[size])), before=before) * 1e3)
        per = " / ".join(f"{f / s:.2f}" for f, s in zip(figures, sizes, strict=True))
        print(f"{name:<28}" + "".join(f"{f:>10.1f}" for f in figures) + f"   {per}")


if __name__ == "__main__":
    main()
