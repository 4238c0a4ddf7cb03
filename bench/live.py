"""Live-editing benchmark: ``python bench/live.py`` (see bench/README.md for the figures).

Starts the server (``python -m drafting.server``) on 127.0.0.1 with its own database holding
the demo, connects --clients python-socketio clients to the demo document (spread over
--client-processes processes), and has --editors of them type into a few paragraphs at
--rate patches per second each for --duration seconds, with the same client algorithm as
the browser (drafting/text/replica.py). Prints p50/p95/p99 of the edit -> broadcast latency
(from sending an edit until *every* other client has received it), edits per second, and
lost or diverged edits, which must be 0: an edit is lost when some client never receives
it or a word its editor typed is missing from the final text, and a client has diverged
when its copy of a paragraph differs from the stored text at the end. Exits 1 if any.

--tracked N makes N of the watching clients viewers with tracked changes on, as the browser
does it (static/js/marks.js): the server pushes a paragraph's changes since Rev.1 with every
new version (`changes_updated`); a viewer that got no push 1.5 s after a new version asks
for them (GET /api/documents/<id>/changes?paragraph=...). With --pull they always ask,
250 ms after each update (the design the push replaced). The report adds pushes, requests
and the server CPU per edit, to compare with a run without tracked viewers.

--processes N starts N server processes (they need --message-queue, e.g.
redis://127.0.0.1:6379/0, and for more than one process a shared database: SQLite works,
--database-url postgresql://... too); clients are spread over them. The database given with
--database-url is RESET (the demo is loaded into it).

--profile etherpad --authors A --viewers V replays the load of Etherpad's own load test
(SPEC §13): one document of A paragraphs, each owned by one author who appends 4 characters
to its end every 200 ms with at most one change in flight (what is typed meanwhile joins the
next change, sent when the answer arrives); V viewers only receive; 5 s of warm-up, then 30 s
measured. Its figure is the p95 of send -> receive over every (edit, other client) pair; an
author's paragraph must end as exactly what it typed. With --json the last line printed is
one JSON object (the medians) with ``p95``, ``lost`` and ``diverged`` at the top level.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NODE_CLIENTS = ROOT / "bench" / "node"  # client.mjs and its package.json

PASSWORD = "bench-password"
FAST_HASH = "pbkdf2:sha256:1000"  # bench accounts only; logging in 100 clients stays quick
LANG = "en"
ETHERPAD_INTERVAL = 0.2  # seconds between an author's changes (SPEC §13)
ETHERPAD_WARMUP = 5.0  # seconds before the measured window
ETHERPAD_MEASURED = 30.0
TRACKED_FROM = "Rev.1"
FOLLOW_DELAY_S = 0.25  # --pull: marks.js asked this long after an update
PUSH_WAIT_S = 1.5  # marks.js asks if no push followed a new version by then


# --------------------------------------------------------------------------------------------
# Set-up: database, accounts, server processes
# --------------------------------------------------------------------------------------------


def prepare(
    env: dict[str, str], clients: int, editors: int, paragraphs: int, own_paragraphs: bool = False
) -> dict[str, Any]:
    """Load the demo and the bench accounts, circulate Rev.1 (what tracked changes are
    shown since); returns the document and paragraphs to edit. With `own_paragraphs` the
    editors type into a new document with one paragraph each."""
    os.environ.update(env)
    from sqlalchemy import select

    from drafting import create_app, demo
    from drafting.cli import drop_everything, migrate_to_head
    from drafting.extensions import db
    from drafting.models import Process
    from drafting.models.people import DelegationKind, Role
    from drafting.services import people
    from drafting.services.documents import tree

    app = create_app({"PASSWORD_HASH_METHOD": FAST_HASH, "SCHEDULER_ENABLED": False})
    with app.app_context():
        drop_everything()
        migrate_to_head()
        document = demo.load()
        process = db.session.scalar(select(Process).limit(1))
        accounts = []
        for index in range(clients):
            editor = index < editors
            code = f"B{index:03d}"
            delegation = people.delegation(code, f"Bench {index}", DelegationKind.MEMBER_STATE)
            email = f"bench{index:03d}@bench.test"
            user = people.create_user(email, f"Bench {index}", PASSWORD, delegation)
            people.add_member(user, process, Role.COMMITTEE if editor else Role.DELEGATE)
            accounts.append({"email": email, "editor": editor})
        if own_paragraphs:
            document = authors_document(process, editors)
        targets = [
            p.id
            for p in tree(document)
            if p.section == "operative" and p.depth == 1 and "[" not in p.text.get(LANG, "")
        ][:paragraphs]
        initial = {p.id: p.text.get(LANG, "") for p in tree(document) if p.id in targets}
        result = {
            "document_id": document.id,
            "paragraphs": targets,
            "initial": initial,
            "accounts": accounts,
        }
        circulate(document)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return result


def circulate(document: Any) -> None:
    """Rev.1 (what tracked changes are shown since) as the workflow makes it: a round opened
    and closed by the secretariat, so the audit chain records it and `flask verify` holds."""
    from datetime import timedelta

    from drafting import clock
    from drafting.extensions import db
    from drafting.models import User
    from drafting.services.workflow import transition

    secretariat = db.session.scalar(db.select(User).where(User.email == "secretariat@demo.test"))
    deadline = (clock.now() + timedelta(days=7)).isoformat(timespec="seconds")
    transition(secretariat, document, "open_round", reason="bench: Rev.1", deadline=deadline)
    transition(secretariat, document, "close_round", reason="bench: back to the committee")
    assert any(r.label == TRACKED_FROM for r in document.revisions)


def authors_document(process: Any, authors: int) -> Any:
    """A document in committee review with one short paragraph per author (SPEC §13)."""
    from drafting.extensions import db
    from drafting.models import User
    from drafting.services.importing import create_document
    from drafting.services.workflow import transition
    from drafting.text.parsing import ParsedParagraph

    secretariat = db.session.scalar(db.select(User).where(User.email == "secretariat@demo.test"))
    forest = [
        ParsedParagraph(depth=1, text=f"Paragraph of author {n}.", label=str(n))
        for n in range(1, authors + 1)
    ]
    document = create_document(
        process, secretariat, forest, title="Load test", workflow="online_rounds", languages=[LANG]
    )
    transition(secretariat, document, "submit", reason="bench: the load test's document")
    return document


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_servers(env: dict[str, str], count: int, workdir: Path) -> list[tuple[str, Any]]:
    servers = []
    for index in range(count):
        port = free_port()
        log = (workdir / f"server-{index}.log").open("wb")
        command = [sys.executable, "-m", "drafting.server"]
        if env.get("BENCH_PY_SPY"):  # a sampled profile of each server, as collapsed stacks
            out = f"{env['BENCH_PY_SPY']}.{index}.txt"
            spy = str(Path(sys.executable).parent / "py-spy")
            command = [spy, "record", "--format", "raw", "--rate", "100", "-o", out, "--", *command]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.append((f"http://127.0.0.1:{port}", process))
    import requests

    for url, process in servers:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"server {url} exited; see {workdir}")
            try:
                if requests.get(f"{url}/login", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"server {url} did not start")
            time.sleep(0.1)
    return servers


def stop_servers(servers: list[tuple[str, Any]]) -> None:
    profiled = bool(os.environ.get("BENCH_PY_SPY"))
    for _, process in servers:
        if process.poll() is None:
            if profiled:  # py-spy writes its profile when the server it watches ends
                os.killpg(process.pid, signal.SIGINT)
            else:
                process.send_signal(signal.SIGTERM)
    for _, process in servers:
        try:
            process.wait(timeout=30 if profiled else 10)
        except subprocess.TimeoutExpired:
            process.kill()


# --------------------------------------------------------------------------------------------
# Clients (each worker process runs a share of them on one asyncio loop)
# --------------------------------------------------------------------------------------------


def login(url: str, email: str) -> str:
    """Log in over the JSON API; returns the Cookie header the socket rides on."""
    import requests

    with requests.Session() as http:
        response = http.post(
            f"{url}/api/login", json={"email": email, "password": PASSWORD}, timeout=60
        )
        response.raise_for_status()
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


class BenchClient:
    """A logged-in socket with a replica of every edited paragraph."""

    def __init__(
        self, spec: dict, cookie: str, document_id: int, targets: list[int], chained: bool = False
    ):
        from sioclient import LeanSocket  # bench/sioclient.py

        from drafting.text.replica import GAP_S, Incoming, Replica

        self.index, self.document_id, self.targets = spec["index"], document_id, targets
        self.own = spec["paragraph_id"] if spec["editor"] else None
        self.socket = LeanSocket(spec["url"], cookie, self.on_event)
        self.received: dict[tuple[int, int], float] = {}
        self.sent: list[tuple[int, int, float, float]] = []  # paragraph, version, sent, acked
        self.typed: list[str] = []
        self.errors: list[str] = []
        self.Replica = Replica
        self.replicas: dict[int, Any] = {}
        self.incoming = Incoming()  # the server's texts, rebuilt from patches and hashes
        self.gap_s = GAP_S  # drafting is imported here, in the client's process
        self.resyncs = 0
        self.asking: set[int] = set()  # paragraphs whose resync is unanswered
        self.chained = chained  # send what was typed meanwhile as soon as the answer comes
        # a viewer with tracked changes on: asks for a paragraph's changes after each update
        self.tracked = spec.get("tracked", False)
        self.pull = spec.get("pull", False)
        self.pushed: dict[int, int] = {}  # paragraph -> newest version whose changes came
        self.pushes = 0
        self.cookie, self.url = cookie, spec["url"]
        self.following: dict[int, bool] = {}  # paragraph -> asked again while in flight
        self.change_ms: list[float] = []
        self.change_errors = 0
        self.you: str | None = None  # this connection's name in updates (`by`)
        # text update messages, updates that came one by one, and in batches
        self.messages = self.singles = self.batched = 0

    async def connect(self) -> None:
        await self.socket.connect()
        # only a viewer that shows tracked changes asks for them to be pushed (as the page does)
        joining = {"document_id": self.document_id, "tracked": self.tracked and not self.pull}
        snapshot = await self.socket.call("join", joining, timeout=120)
        if "error" in snapshot:
            raise RuntimeError(f"join refused: {snapshot}")
        self.you = snapshot["you"]
        for paragraph in snapshot["paragraphs"]:
            if paragraph["id"] in self.targets:
                text, version = paragraph["text"][LANG], paragraph["version"][LANG]
                self.replicas[paragraph["id"]] = self.Replica(text, version)
                self.incoming.know((paragraph["id"], LANG), version, text)

    def on_event(self, event: str, data: Any, arrived: float) -> None:
        if event == "changes_updated" and self.tracked:
            self.pushes += 1
            pid = data["paragraph_id"]
            self.pushed[pid] = max(self.pushed.get(pid, 0), data["version"])
            return
        if event != "paragraph_updated":
            return
        self.messages += 1
        if "updates" in data:  # updates committed while the last was being sent, together
            self.batched += len(data["updates"])
        else:
            self.singles += 1
        for update in data.get("updates", [data]):
            self.updated(update, arrived)

    def updated(self, data: dict, arrived: float) -> None:
        if data["lang"] != LANG or data["paragraph_id"] not in self.replicas:
            return
        self.take(self.incoming.update(data), arrived)
        self.resync_if_needed(data["paragraph_id"])

    def take(self, readable: list[tuple[dict, str]], arrived: float) -> None:
        """Apply the updates now readable (see drafting.text.replica.Incoming)."""
        for data, text in readable:
            if data.get("by") == self.you:  # its own edit, sent along in a batch: the ack had it
                continue
            self.received[(data["paragraph_id"], data["version"])] = arrived
            self.replicas[data["paragraph_id"]].remote(data["version"], text)
            if self.tracked and self.pull:
                self.follow(data["paragraph_id"])
            elif self.tracked:
                asyncio.get_running_loop().call_later(
                    PUSH_WAIT_S, self.unless_pushed, data["paragraph_id"], data["version"]
                )

    def resync_if_needed(self, paragraph_id: int, waited: bool = False) -> None:
        """As bench/soak.py's: a missing version is given GAP_S to come by the other way."""
        if self.replicas[paragraph_id].inflight is not None:
            return  # its answer may bring the missing version
        key = (paragraph_id, LANG)
        if not self.incoming.needs_resync(key) or paragraph_id in self.asking:
            return
        loop = asyncio.get_running_loop()
        self.asking.add(paragraph_id)
        if not waited and self.incoming.waits_for_a_gap(key):
            loop.call_later(self.gap_s, self.after_gap, paragraph_id)
            return
        self.resyncs += 1

        def answered(current: dict) -> None:
            self.asking.discard(paragraph_id)
            if current.get("retry"):  # the database did not answer: ask again shortly
                loop.call_later(0.5, self.resync_if_needed, paragraph_id, True)
                return
            if "error" in current:
                self.errors.append(current["error"])
                return
            readable = self.incoming.know(key, current["version"], current["text"])
            self.replicas[paragraph_id].remote(current["version"], current["text"])
            self.take(readable, time.monotonic())

        data = {"paragraph_id": paragraph_id, "lang": LANG}
        asyncio.get_running_loop().create_task(self.socket.emit("resync", data, answered))

    def after_gap(self, paragraph_id: int) -> None:
        self.asking.discard(paragraph_id)
        self.resync_if_needed(paragraph_id, waited=True)

    def unless_pushed(self, paragraph_id: int, version: int) -> None:
        if self.pushed.get(paragraph_id, 0) < version:
            self.follow(paragraph_id)

    def follow(self, paragraph_id: int) -> None:
        if paragraph_id in self.following:
            self.following[paragraph_id] = True
            return
        self.following[paragraph_id] = False
        asyncio.get_running_loop().create_task(self.ask_changes(paragraph_id))

    async def ask_changes(self, paragraph_id: int) -> None:
        import requests

        url = (
            f"{self.url}/api/documents/{self.document_id}/changes?from={TRACKED_FROM}"
            f"&lang={LANG}&paragraph={paragraph_id}"
        )
        while True:
            await asyncio.sleep(FOLLOW_DELAY_S)
            self.following[paragraph_id] = False
            started = time.monotonic()
            try:
                response = await asyncio.to_thread(
                    requests.get, url, headers={"Cookie": self.cookie}, timeout=60
                )
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            self.change_ms.append((time.monotonic() - started) * 1000)
            self.change_errors += 0 if ok else 1
            if not self.following[paragraph_id]:
                del self.following[paragraph_id]
                return

    async def type_word(self, paragraph_id: int, word: str, rng: random.Random) -> None:
        """Type a word at a word boundary, then send the batch if nothing is in flight."""
        replica = self.replicas[paragraph_id]
        text = replica.local
        spots = [0, len(text), *(m.start() for m in re.finditer(" ", text))]
        at = rng.choice(spots)
        replica.edit(text[:at] + (f"{word} " if at == 0 else f" {word}") + text[at:])
        self.typed.append(word)
        await self.send(paragraph_id)

    async def append(self, paragraph_id: int, chunk: str) -> None:
        """Type `chunk` at the end of the paragraph, then send if nothing is in flight."""
        replica = self.replicas[paragraph_id]
        replica.edit(replica.local + chunk)
        self.typed.append(chunk)
        await self.send(paragraph_id)

    async def send(self, paragraph_id: int) -> None:
        edit = self.replicas[paragraph_id].outgoing()
        if edit is None:
            return
        started = time.monotonic()

        def answered(ack: dict) -> None:
            acked = time.monotonic()
            if ack.get("retry"):  # the database did not answer: the same edit goes again
                loop = asyncio.get_running_loop()
                loop.call_later(
                    0.5, lambda: loop.create_task(self.socket.emit("edit", data, answered))
                )
                return
            if "error" in ack:
                self.errors.append(ack["error"])
            else:
                self.sent.append((paragraph_id, ack["version"], started, acked))
            self.replicas[paragraph_id].acknowledged(ack)
            self.take(self.incoming.acknowledged((paragraph_id, LANG), ack), acked)
            self.resync_if_needed(paragraph_id)
            if self.chained:
                asyncio.get_running_loop().create_task(self.send(paragraph_id))

        data = {
            "paragraph_id": paragraph_id,
            "lang": LANG,
            "base_version": edit.base_version,
            "patch": edit.patch,
        }
        await self.socket.emit("edit", data, answered)

    def settled(self) -> bool:
        return all(
            r.settled and not self.incoming.needs_resync((p, LANG))
            for p, r in self.replicas.items()
        )

    def result(self) -> dict:
        return {
            "index": self.index,
            "received": [[p, v, t] for (p, v), t in self.received.items()],
            "sent": self.sent,
            "typed": self.typed,
            "own": self.own,
            "errors": self.errors,
            "texts": {p: r.local for p, r in self.replicas.items()},
            "settled": self.settled(),
            "change_ms": self.change_ms,
            "change_errors": self.change_errors,
            "pushes": self.pushes,
            "messages": self.messages,
            "singles": self.singles,
            "batched": self.batched,
            "resyncs": self.resyncs,
        }


def worker(specs: list[dict], setup: dict, rate: float, duration: float, events, out) -> None:
    """Connect this process's clients, edit when told to, then report what each saw."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        cookies = [login(s["url"], s["email"]) for s in specs]
        asyncio.run(drive(specs, cookies, setup, rate, duration, events, out))
    except Exception as error:  # report instead of leaving the parent waiting
        out.put(("failed", repr(error)))


class NodeClients:
    """One Node.js process driving a share of the clients with socket.io-client
    (bench/node/client.mjs), in the place of a `worker` process: logs its clients in, relays
    what the script prints to `out` and tells it `go` and `done` when the events are set."""

    def __init__(self, specs: list[dict], setup: dict, duration: float, events, out) -> None:
        self.specs, self.setup, self.duration = specs, setup, duration
        self.events, self.out = events, out
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        clients = [{**spec, "cookie": login(spec["url"], spec["email"])} for spec in self.specs]
        self.process = subprocess.Popen(
            ["node", str(NODE_CLIENTS / "client.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=NODE_CLIENTS,
        )
        setup = {
            "clients": clients,
            "document_id": self.setup["document_id"],
            "targets": self.setup["paragraphs"],
            "lang": LANG,
            "interval": ETHERPAD_INTERVAL,
            "duration": self.duration,
        }
        self._tell(json.dumps(setup))
        threading.Thread(target=self._relay, daemon=True).start()
        threading.Thread(target=self._signal, daemon=True).start()

    def _tell(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _relay(self) -> None:
        for line in self.process.stdout:
            message = json.loads(line)
            self.out.put((message["kind"], message["payload"]))
        if self.process.wait() != 0:
            self.out.put(("failed", f"the node clients exited with {self.process.returncode}"))

    def _signal(self) -> None:
        self.events["go"].wait()
        self._tell("go")
        self.events["done"].wait()
        self._tell("done")

    def join(self, timeout: float | None = None) -> None:
        self.process.wait(timeout)


def node_clients_ready() -> str | None:
    """None once `node` and the client's packages are there (installed with npm on first
    use, from bench/node/package-lock.json); otherwise why not."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "the node client needs Node.js and npm on the PATH"
    if not (NODE_CLIENTS / "node_modules" / "socket.io-client").is_dir():
        print("installing the node client's packages (npm ci) ...", flush=True)
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_CLIENTS, capture_output=True
        )
        if done.returncode != 0:
            return f"npm ci failed in {NODE_CLIENTS}: {done.stderr.decode()[-500:]}"
    return None


async def drive(specs, cookies, setup, rate, duration, events, out) -> None:
    etherpad = setup.get("profile") == "etherpad"
    loop = etherpad_loop if etherpad else edit_loop
    clients = [
        BenchClient(spec, cookie, setup["document_id"], setup["paragraphs"], etherpad)
        for spec, cookie in zip(specs, cookies, strict=True)
    ]
    for first in range(0, len(clients), 10):  # a few at a time, as people arrive
        await asyncio.gather(*(c.connect() for c in clients[first : first + 10]))
    out.put(("ready", len(clients)))
    await asyncio.to_thread(events["go"].wait)
    start = time.monotonic()
    editors = [(s, c) for s, c in zip(specs, clients, strict=True) if s["editor"]]
    await asyncio.gather(*(loop(c, s, rate, start, start + duration) for s, c in editors))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(c.settled() for _, c in editors):
        for _, client in editors:  # whatever was typed while the last edit was in flight
            for paragraph_id in client.replicas:
                await client.send(paragraph_id)
        await asyncio.sleep(0.05)
    out.put(("settled", len(editors)))
    await asyncio.to_thread(events["done"].wait)
    for client in clients:
        out.put(("result", client.result()))
    await asyncio.gather(*(c.socket.close() for c in clients))
    out.put(("finished", len(clients)))


async def edit_loop(client: BenchClient, spec: dict, rate: float, start: float, stop: float):
    rng = random.Random(spec["index"])
    paragraph_id = spec["paragraph_id"]
    tick = start + rng.random() / rate  # editors do not all type on the same beat
    count = 0
    while tick < stop:
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
        count += 1
        await client.type_word(paragraph_id, f"e{spec['index']}w{count}x", rng)
        tick += 1 / rate


async def etherpad_loop(client: BenchClient, spec: dict, rate: float, start: float, stop: float):
    """Etherpad's load test: 4 characters at the end of one's own paragraph every 200 ms."""
    rng = random.Random(spec["index"])
    tick = start + rng.random() * ETHERPAD_INTERVAL
    count = 0
    while tick < stop:
        await asyncio.sleep(max(0.0, tick - time.monotonic()))
        count += 1
        await client.append(spec["paragraph_id"], f" {count % 1000:03d}")
        tick += ETHERPAD_INTERVAL


# --------------------------------------------------------------------------------------------
# Orchestration and the report
# --------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--editors", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.5, help="patches per second per editor")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of editing")
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are printed")
    parser.add_argument("--paragraphs", type=int, default=5, help="paragraphs the editors share")
    parser.add_argument("--processes", type=int, default=1, help="server processes")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--message-queue", default=None, help="e.g. redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--async-mode", choices=("threading", "gevent"), default=None, help="default: the server's"
    )
    parser.add_argument(
        "--tracked", type=int, default=0, help="watching clients with tracked changes on"
    )
    parser.add_argument(
        "--pull", action="store_true", help="tracked viewers ask after every update"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--profile", choices=("default", "etherpad"), default="default", help="etherpad: SPEC §13"
    )
    parser.add_argument("--authors", type=int, default=10, help="etherpad profile: authors")
    parser.add_argument("--viewers", type=int, default=0, help="etherpad profile: viewers")
    parser.add_argument(
        "--client",
        choices=("auto", "node", "python"),
        default="auto",
        help="the clients: socket.io-client on Node.js (etherpad profile only) or Python's "
        "bench/sioclient.py; auto: node for the etherpad profile where Node.js is there",
    )
    args = parser.parse_args(argv)
    if args.profile == "etherpad":
        args.clients, args.editors = args.authors + args.viewers, args.authors
        args.paragraphs, args.duration = args.authors, ETHERPAD_WARMUP + ETHERPAD_MEASURED
        args.warmup = ETHERPAD_WARMUP
    else:
        args.warmup = 0.0
    if args.editors > args.clients:
        parser.error("--editors cannot exceed --clients")
    if args.tracked > args.clients - args.editors:
        parser.error("--tracked counts watching clients: at most --clients minus --editors")
    if args.processes > 1 and not args.message_queue:
        parser.error("several server processes share broadcasts through --message-queue")
    if args.client == "node" and args.profile != "etherpad":
        parser.error("--client node replays the etherpad profile only")
    if args.client == "auto":
        args.client = "node" if args.profile == "etherpad" and shutil.which("node") else "python"
    if args.client == "node" and (missing := node_clients_ready()):
        parser.error(missing)

    runs = []
    for number in range(1, args.repeat + 1):
        print(f"run {number} of {args.repeat}", flush=True)
        runs.append(one_run(args))
        print_report(args, runs[-1])
    if args.repeat > 1:
        print_medians(runs)
    if args.json:
        print(json.dumps(runs, indent=2))
        print(json.dumps(summary_of(runs)))
    return 1 if any(f["lost_edits"] or f["diverged_clients"] for f in runs) else 0


def summary_of(runs: list[dict]) -> dict:
    """One line for scripts: the medians of the runs, `p95` at the top level (SPEC §13)."""

    def median(key: str, part: str) -> float:
        return round(statistics.median(r[key][part] for r in runs), 2)

    first = runs[0]
    return {
        "profile": first["profile"],
        "client": first["client"],
        "authors": first["editors"],
        "viewers": first["clients"] - first["editors"],
        "server_processes": first["server_processes"],
        "async_mode": first["async_mode"],
        "database": first["database"],
        "runs": len(runs),
        "p50": median("receive_ms", "p50"),
        "p95": median("receive_ms", "p95"),
        "p99": median("receive_ms", "p99"),
        "ack_p50": median("ack_ms", "p50"),
        "ack_p95": median("ack_ms", "p95"),
        "edits_per_s": round(statistics.median(r["edits_per_s"] for r in runs), 1),
        "offered_per_s": first["offered_per_s"],
        "server_cpu_ms_per_edit": round(
            statistics.median(r["server_cpu_ms_per_edit"] for r in runs), 2
        ),
        "lost": sum(r["lost_edits"] for r in runs),
        "diverged": sum(r["diverged_clients"] for r in runs),
        "edits_per_commit": statistics.median(r.get("edits_per_commit") or 1.0 for r in runs),
        "batched_share": round(
            statistics.median(
                r["batched_updates"] / max(1, r["batched_updates"] + r["single_updates"])
                for r in runs
            ),
            3,
        ),
    }


def one_run(args) -> dict:
    """A fresh database and fresh server processes, the clients, the figures."""
    with tempfile.TemporaryDirectory(prefix="drafting-bench-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DRAFTING_INSTANCE": str(workdir / "instance"),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.db'}",
            "SOCKETIO_MESSAGE_QUEUE": args.message_queue or "",
            "SOCKETIO_ASYNC_MODE": args.async_mode or os.environ.get("SOCKETIO_ASYNC_MODE", ""),
            "SECRET_KEY": "bench-secret",
            "DRAFTING_SCHEDULER": "0",
            "LOG_LEVEL": "WARNING",
            # every simulated delegate logs in from 127.0.0.1: login throttling would stop
            # the benchmark before it starts
            "RATELIMIT_ENABLED": "0",
        }
        print(f"preparing: demo + {args.clients} accounts ...", flush=True)
        setup = prepare(
            env, args.clients, args.editors, args.paragraphs, args.profile == "etherpad"
        )
        setup["profile"] = args.profile
        servers = start_servers(env, args.processes, workdir)
        print("server pid(s):", " ".join(str(p.pid) for _, p in servers), flush=True)
        try:
            urls, pids = [url for url, _ in servers], [p.pid for _, p in servers]
            return run_clients(args, setup, urls, pids)
        finally:
            stop_servers(servers)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_clients(args, setup: dict, urls: list[str], pids: list[int]) -> dict:
    import requests

    specs = []
    for index, account in enumerate(setup["accounts"]):
        specs.append(
            {
                "index": index,
                "email": account["email"],
                "editor": account["editor"],
                "tracked": not account["editor"] and index - args.editors < args.tracked,
                "pull": args.pull,
                "url": urls[index % len(urls)],
                "paragraph_id": setup["paragraphs"][index % len(setup["paragraphs"])],
            }
        )
    context = mp.get_context("spawn")
    events = {"go": context.Event(), "done": context.Event()}
    out = context.Queue()
    shares = [specs[i :: args.client_processes] for i in range(args.client_processes)]
    if args.client == "node":
        workers = [
            NodeClients(share, setup, args.duration, events, out) for share in shares if share
        ]
    else:
        workers = [
            context.Process(
                target=worker,
                args=(share, setup, args.rate, args.duration, events, out),
                daemon=True,
            )
            for share in shares
            if share
        ]
    for process in workers:
        process.start()
    wait_for(out, "ready", len(workers), timeout=300)
    print(f"connected {len(specs)} clients; editing for {args.duration:.0f} s ...", flush=True)
    server_cpu = sum(cpu_seconds(pid) for pid in pids)
    client_cpu = sum(cpu_seconds(p.pid) for p in workers)
    started = time.monotonic()
    events["go"].set()
    measured_from = started + args.warmup
    wait_for(out, "settled", len(workers), timeout=args.duration + 60)
    elapsed = time.monotonic() - started
    server_cpu = sum(cpu_seconds(pid) for pid in pids) - server_cpu
    client_cpu = sum(cpu_seconds(p.pid) for p in workers) - client_cpu
    time.sleep(1.0)  # the last broadcasts are on their way
    events["done"].set()
    results = wait_for(out, "finished", len(workers), collect="result")
    for process in workers:
        process.join(timeout=10)

    http = requests.Session()
    login = http.post(
        f"{urls[0]}/api/login", json={"email": setup["accounts"][0]["email"], "password": PASSWORD}
    )
    login.raise_for_status()
    stored = {
        p["id"]: p["text"][LANG]
        for p in http.get(f"{urls[0]}/api/documents/{setup['document_id']}").json()["paragraphs"]
    }
    figures = figures_of(results, stored, setup, args, elapsed, measured_from)
    figures["cpu_s"] = {"server": round(server_cpu, 1), "clients": round(client_cpu, 1)}
    edits = sum(len(r["sent"]) for r in results)
    figures["server_cpu_ms_per_edit"] = round(server_cpu * 1000 / edits, 2) if edits else None
    # how many edits each transaction held (drafting.group_commit), over every process
    counts = [http.get(f"{url}/healthz").json().get("live_edits") or {} for url in urls]
    transactions = sum(c.get("transactions", 0) for c in counts)
    works = sum(c.get("works", 0) for c in counts)
    figures["edits_per_commit"] = round(works / transactions, 2) if transactions else None
    with open("/proc/loadavg") as loadavg:
        figures["load_average_1min"] = float(loadavg.read().split()[0])
    return figures


def wait_for(out, kind: str, count: int, timeout: float = 120, collect: str | None = None):
    """Read the workers' messages until `count` of `kind` arrived; returns the collected ones."""
    seen, collected = 0, []
    deadline = time.monotonic() + timeout
    while seen < count:
        message, payload = out.get(timeout=max(1.0, deadline - time.monotonic()))
        if message == "failed":
            sys.exit(f"a client process failed: {payload}")
        if message == kind:
            seen += 1
        elif collect and message == collect:
            collected.append(payload)
    return collected


def figures_of(
    results: list[dict],
    stored: dict[int, str],
    setup: dict,
    args,
    elapsed: float,
    measured_from: float,
) -> dict:
    """Latencies of the edits sent in the measured window; losses and divergence of all."""
    received = {r["index"]: {(p, v): t for p, v, t in r["received"]} for r in results}
    latencies, pairs, acks, missing_deliveries, lost = [], [], [], 0, 0
    edits = measured = 0
    for result in results:
        for paragraph_id, version, started, acked in result["sent"]:
            edits += 1
            in_window = started >= measured_from
            measured += in_window
            times = []
            for other, seen in received.items():
                if other == result["index"]:
                    continue
                at = seen.get((paragraph_id, version))
                if at is None:
                    missing_deliveries += 1
                else:
                    times.append(at)
            if len(times) < len(received) - 1:
                lost += 1
            if not in_window:
                continue
            acks.append((acked - started) * 1000)
            pairs.extend((at - started) * 1000 for at in times)
            if len(times) == len(received) - 1:
                latencies.append((max(times, default=started) - started) * 1000)
    if setup.get("profile") == "etherpad":  # an author's paragraph is exactly what it typed
        initial = {int(k): v for k, v in setup["initial"].items()}
        missing = sum(
            1
            for r in results
            if r["own"] is not None and stored[r["own"]] != initial[r["own"]] + "".join(r["typed"])
        )
        offered = args.editors / ETHERPAD_INTERVAL
    else:
        words = set(re.findall(r"e\d+w\d+x", " ".join(stored.values())))
        missing = sum(1 for r in results for w in r["typed"] if w not in words)
        offered = args.editors * args.rate
    diverged = sum(
        1
        for r in results
        if not r["settled"] or any(stored[int(p)] != text for p, text in r["texts"].items())
    )
    window = max(elapsed - args.warmup, 1e-9)

    def spread(values: list[float]) -> dict:
        return {
            "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1),
            "p99": round(percentile(values, 99), 1),
            "max": round(max(values), 1) if values else None,
            "mean": round(statistics.fmean(values), 1) if values else None,
        }

    return {
        "profile": setup.get("profile", "default"),
        "client": args.client,
        "clients": len(results),
        "editors": args.editors,
        "rate": args.rate,
        "duration_s": round(elapsed, 1),
        "warmup_s": args.warmup,
        "server_processes": args.processes,
        "async_mode": args.async_mode or os.environ.get("SOCKETIO_ASYNC_MODE") or "default",
        "database": (args.database_url or "sqlite").split(":")[0].split("+")[0],
        "edits": edits,
        "edits_per_s": round(measured / window, 1),
        "offered_per_s": round(offered, 1),
        "deliveries": edits * (len(results) - 1) - missing_deliveries,
        "latency_ms": spread(latencies),  # until every other client has it
        "receive_ms": spread(pairs),  # each (edit, other client) pair
        "ack_ms": spread(acks),
        "edit_errors": sum(len(r["errors"]) for r in results),
        "resyncs": sum(r.get("resyncs", 0) for r in results),  # texts asked again (SPEC §7)
        "lost_edits": lost + missing,
        "missing_typing": missing,
        "diverged_clients": diverged,
        "tracked_viewers": args.tracked,
        "changes_pushed": sum(r["pushes"] for r in results),
        "changes_requests": sum(len(r["change_ms"]) for r in results),
        "changes_ms": {
            "p50": round(percentile([t for r in results for t in r["change_ms"]], 50), 1),
            "p95": round(percentile([t for r in results for t in r["change_ms"]], 95), 1),
        },
        "changes_errors": sum(r["change_errors"] for r in results),
        "update_messages": sum(r["messages"] for r in results),
        "single_updates": sum(r["singles"] for r in results),
        "batched_updates": sum(r["batched"] for r in results),
    }


def print_medians(runs: list[dict]) -> None:
    def median(*path: str) -> float:
        values = []
        for figures in runs:
            for key in path:
                figures = figures[key]
            values.append(figures)
        return round(statistics.median(values), 1)

    print()
    print(
        f"median of {len(runs)} runs: {median('edits_per_s')} edits/s; edit -> broadcast "
        f"p50 {median('latency_ms', 'p50')} / p95 {median('latency_ms', 'p95')} / "
        f"p99 {median('latency_ms', 'p99')} ms; ack p50 {median('ack_ms', 'p50')} / "
        f"p95 {median('ack_ms', 'p95')} ms; server CPU {median('cpu_s', 'server')} s, "
        f"clients {median('cpu_s', 'clients')} s ({median('server_cpu_ms_per_edit')} ms of "
        f"server CPU per edit); lost "
        f"{sum(r['lost_edits'] for r in runs)}, diverged {sum(r['diverged_clients'] for r in runs)}"
    )


def print_report(args, f: dict) -> None:
    lat = f["latency_ms"]
    print()
    print(
        f"{f['clients']} clients, {f['editors']} editors at {f['rate']:g} patches/s for "
        f"{f['duration_s']} s, {f['server_processes']} server process(es), "
        f"{f['async_mode']}, {f['database']}, {f['client']} clients"
    )
    print(f"edits: {f['edits']} ({f['edits_per_s']}/s), deliveries: {f['deliveries']}")
    print(
        f"edit -> broadcast to every other client: p50 {lat['p50']} ms, p95 {lat['p95']} ms, "
        f"p99 {lat['p99']} ms (max {lat['max']} ms)"
    )
    ack = f["ack_ms"]
    pair = f["receive_ms"]
    print(
        f"send -> receive, each (edit, other client): p50 {pair['p50']} ms, "
        f"p95 {pair['p95']} ms, p99 {pair['p99']} ms; {f['edits_per_s']} of "
        f"{f['offered_per_s']} edits/s offered; server CPU {f['server_cpu_ms_per_edit']} ms/edit"
    )
    print(
        f"edit -> stored and acknowledged to its author: p50 {ack['p50']} ms, "
        f"p95 {ack['p95']} ms, p99 {ack['p99']} ms"
    )
    print(
        f"lost edits: {f['lost_edits']}, diverged clients: {f['diverged_clients']}, "
        f"edit errors answered: {f['edit_errors']}; edits per transaction: "
        f"{f.get('edits_per_commit')}"
    )
    print(
        f"CPU while editing: server {f['cpu_s']['server']} s "
        f"({f['server_cpu_ms_per_edit']} ms per edit), clients {f['cpu_s']['clients']} s "
        f"(machine load average {f['load_average_1min']})"
    )
    if f["tracked_viewers"]:
        ch = f["changes_ms"]
        print(
            f"tracked changes: {f['tracked_viewers']} viewers got {f['changes_pushed']} pushes "
            f"and asked {f['changes_requests']} times "
            f"({f['changes_requests'] / max(1, f['edits']):.1f} per edit): p50 {ch['p50']} "
            f"ms, p95 {ch['p95']} ms, errors {f['changes_errors']}"
        )


if __name__ == "__main__":
    sys.exit(main())
