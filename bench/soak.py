"""Soak test under faults: ``python bench/soak.py --ops 20000 [--seed S] [--json]``.

Starts the server (``python -m drafting.server``) on a fresh database holding the demo and
drives --clients sockets with the browser's algorithm (drafting/text/replica.py, the same as
static/js/editor.js) through a seeded random schedule of operations: typing, deleting and
pasting at random places of shared paragraphs and of each client's own, in English and
Spanish; clean reconnects; typing offline and resynchronising; a committee member accepting
and rejecting tracked changes. Paragraphs are inserted and deleted by amendments while
people type (--layout-rate of the operations, 0.25 % by default): a delegation member files
the amendment over the JSON API and the committee member accepts it; an insertion goes after
a shared or an inserted paragraph or under it as its last sub-paragraph, in both languages;
a deletion takes an inserted paragraph with everything under it. The clients take an
inserted paragraph in from its first update (or the snapshot of their next join), type into
it as into the shared ones, and stop once they hear it was deleted. Faults are injected on
the same schedule: a socket cut with a TCP reset, a socket closed cleanly, the server killed
with SIGKILL and restarted (with --processes 2, one of two processes killed while the other
serves; with --db-restart-command, the database restarted under the running server).

Checked at the end of every slice, once everything is quiet: every acknowledged edit is in
the stored history with the text it was acknowledged with; every client's text equals the
stored text in every paragraph still in the document; no version sequence has a gap or a
duplicate; the document's paragraphs are those the accepted amendments left, in the order
and under the parents the schedule put them, the deleted ones marked deleted and each
inserted one beginning with its amendment's wording; every client follows exactly the
inserted paragraphs still there; the audit chain verifies (``flask verify``); the server log
shows no traceback and no 500; the server's memory (sampled RSS) did not keep growing. A
failing slice is run again on ever shorter prefixes of the same schedule (halving, --prefix)
and the shortest prefix that still fails is printed with its seed, so the case can become a
regression test.

--ops N runs slices of --slice operations, each with its own seed (seed, seed+1, ...) and a
fresh server and database. With --json the last line printed is one JSON object: ``ops``,
``lost``, ``diverged``, ``faults`` (count per kind), ``seconds``, ``peak_rss_mb``, ``seed``,
``edits``, ``decisions`` and ``paragraphs`` (inserted, deleted, or why not).
The exit status is 1 on any loss, divergence or failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from live import PASSWORD, free_port, login, prepare  # noqa: E402  (bench/live.py)
from sioclient import LeanSocket  # noqa: E402

from drafting.text.replica import GAP_S, Incoming, Replica  # noqa: E402

LANGS = ("en", "es")
LETTERS = "abcdefghijklmnopqrstuvwxyz áéíñóú"
FAULT_KINDS = ("socket_reset", "socket_close", "server_kill", "process_kill", "database_restart")
QUIET_TIMEOUT = 60.0
RETRY_S = 0.5  # an edit answered `retry` goes again after this, as the browser's does
LAYOUT_RATE = 0.0025  # operations that insert or delete a paragraph by amendment
INSERTED = -2  # Op.paragraph: one of the paragraphs inserted by amendments, if any is left
INSERTED_SHARE = 0.25  # of the typing into shared paragraphs, the share that goes there


# --------------------------------------------------------------------------------------------
# The schedule: a pure function of the seed, so a prefix of it replays exactly
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    client: int
    kind: str  # type | delete | paste | pause | reconnect | offline | accept | reject
    # | insert_paragraph | delete_paragraph | a fault
    paragraph: int = 0  # index into the shared targets, -1 for the client's own, or INSERTED
    lang: str = "en"
    at: float = 0.0  # where, as a fraction of the text's length
    size: int = 0
    text: str = ""
    pick: int = 0  # which paragraph, modulo how many there are at the time (INSERTED, layout)
    child: bool = False  # an insertion as the target's last sub-paragraph, not after it
    translation: str = ""  # an inserted paragraph's Spanish wording (`text` is the English)


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(
        "".join(rng.choice(LETTERS[:26]) for _ in range(rng.randint(2, 9)))
        for _ in range(rng.randint(low, high))
    )


def schedule(
    seed: int,
    ops: int,
    clients: int,
    paragraphs: int,
    faults: tuple[str, ...],
    layout: float = LAYOUT_RATE,
):
    """The operations of one slice; faults spread evenly, their order drawn from the seed;
    `layout` is the share of operations that insert or delete a paragraph by amendment."""
    rng = random.Random(seed)
    fault_every = max(ops // (4 * len(faults) + 1), 50) if faults else 0
    kinds = list(faults) * 4
    rng.shuffle(kinds)
    out: list[Op] = []
    for index in range(ops):
        client = rng.randrange(clients)
        if fault_every and index and index % fault_every == 0 and kinds:
            out.append(Op(client, kinds.pop()))
            continue
        roll = rng.random()
        own = rng.random() < 0.4
        shared = INSERTED if rng.random() < INSERTED_SHARE else rng.randrange(paragraphs)
        where = dict(
            paragraph=-1 if own else shared,
            lang=rng.choice(LANGS),
            at=rng.random(),
            pick=rng.randrange(1 << 30),
        )
        if roll < 0.62:
            word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 7)))
            out.append(Op(client, "type", text=word, **where))
        elif roll < 0.84:
            out.append(Op(client, "delete", size=rng.randint(1, 8), **where))
        elif roll < 0.88:
            out.append(Op(client, "paste", text=f" {words(rng, 3, 10)} ", **where))
        elif roll < 0.993 - layout:
            out.append(Op(client, "pause", size=rng.randint(1, 15)))
        elif roll < 0.993:  # a paragraph inserted or deleted by an amendment, accepted at once
            if rng.random() < 0.6:
                text, translation = words(rng, 4, 12).capitalize(), words(rng, 4, 12).capitalize()
                child = rng.random() < 0.3
                insert = dict(text=f"{text}.", translation=f"{translation}.", child=child)
                out.append(Op(client, "insert_paragraph", pick=where["pick"], **insert))
            else:
                out.append(Op(client, "delete_paragraph", pick=where["pick"]))
        elif roll < 0.995:  # the committee decides a tracked change while people type
            decision = "reject" if rng.random() < 0.6 else "accept"
            out.append(Op(client, decision, **where))
        elif roll < 0.998:
            out.append(Op(client, "reconnect"))
        else:
            out.append(Op(client, "offline", size=rng.randint(3, 30)))
    return out


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


@dataclass
class Acked:
    paragraph_id: int
    lang: str
    version: int
    text: str


@dataclass
class SoakClient:
    """One person's socket and replicas; reconnects as the browser does. Paragraphs that were
    not in its first snapshot were inserted by amendments: the client follows them too, from
    the first update it hears of one (the amendment's wording comes as version 1) or from the
    snapshot of its next join, and stops typing into one once it hears that it was deleted
    (its status in an event, or a snapshot that no longer holds it)."""

    index: int
    cookie: str
    document_id: int
    targets: list[int]
    own: int
    urls: list[str]
    replicas: dict[tuple[int, str], Replica] = field(default_factory=dict)
    acked: list[Acked] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    socket: LeanSocket | None = None
    online: bool = False
    offline_for: int = 0  # operations still to type without a connection
    lost: set[tuple[int, str]] = field(default_factory=set)  # in flight when the socket died
    retries: int = 0  # edits answered 503 `retry` (the database did not answer), sent again
    original: set[int] | None = None  # the paragraphs of the first snapshot
    inserted: list[int] = field(default_factory=list)  # followed, in the order learned
    retired: set[int] = field(default_factory=set)  # deleted: no more typing there
    incoming: Incoming = field(default_factory=Incoming)  # the server's texts, from patches
    asking: set[tuple[int, str]] = field(default_factory=set)  # resyncs unanswered
    resyncs: int = 0  # texts asked again: a version missed, or a hash that did not match

    async def connect(self, deadline: float = 90.0) -> None:
        """Connect to any server that answers, join, resynchronise from the snapshot."""
        if self.online:
            cut(self, reset=False)
        give_up = time.monotonic() + deadline
        attempt = 0
        while True:
            url = self.urls[(self.index + attempt) % len(self.urls)]
            attempt += 1
            try:
                self.socket = LeanSocket(url, self.cookie, self.on_event)
                await self.socket.connect()
                snapshot = await self.socket.call("join", {"document_id": self.document_id})
                if "error" in snapshot:
                    raise ConnectionError(snapshot["error"])
                break
            except Exception as error:  # refused, reset, timed out: try again shortly
                if self.socket is not None:
                    await self.socket.close()
                if time.monotonic() > give_up:
                    raise RuntimeError(f"client {self.index} could not reconnect") from error
                await asyncio.sleep(0.1)
        self.online = True
        asyncio.get_running_loop().create_task(self._watch(self.socket))
        self.resync(snapshot)

    def resync(self, snapshot: dict) -> None:
        ids = [paragraph["id"] for paragraph in snapshot["paragraphs"]]
        if self.original is None:
            self.original = set(ids)
        for gone in [p for p in self.inserted if p not in ids]:  # deleted meanwhile
            self.forget(gone)
        for paragraph_id in ids:
            self.follow(paragraph_id)
        followed = {*self.targets, self.own, *self.inserted}
        for paragraph in snapshot["paragraphs"]:
            for lang in LANGS:
                key = (paragraph["id"], lang)
                if paragraph["id"] not in followed:
                    continue
                text, version = paragraph["text"].get(lang, ""), paragraph["version"].get(lang, 0)
                if key not in self.replicas:
                    if "[" in text or "]" in text:
                        continue  # a deleted bracket would be refused; typing adds none
                    self.replicas[key] = Replica(text, version)
                else:
                    self.replicas[key].remote(version, text)
                self.take(key, self.incoming.know(key, version, text))
        self.asking.clear()  # answers to the last connection's questions are not coming
        for key in list(self.lost):
            replica = self.replicas[key]
            self.lost.discard(key)
            if replica.inflight is not None:
                self.transmit(key, replica.inflight)  # the same edit again; the server knows it
        for key in self.replicas:
            self.flush(key)
            self.resync_if_needed(key)

    async def _watch(self, sock: LeanSocket) -> None:
        """Notice the connection dying (the reader ends) and mark the edits in flight lost."""
        if sock.reader is not None:
            await asyncio.gather(sock.reader, return_exceptions=True)
        if sock is self.socket and self.online:
            self.went_offline()

    def went_offline(self) -> None:
        self.online = False
        for key, replica in self.replicas.items():
            if replica.inflight is not None:
                self.lost.add(key)

    def on_event(self, event: str, data: Any, _arrived: float) -> None:
        if event == "status_changed" and data.get("status") == "deleted":
            self.forget(data["paragraph_id"])
        if event != "paragraph_updated":
            return
        for update in data.get("updates", [data]):  # updates sent together come as a list
            key = (update["paragraph_id"], update["lang"])
            if update.get("status") == "deleted":  # the badges every update carries
                self.forget(key[0])
            if key in self.replicas or self.follow(key[0]):  # or a new paragraph's first words
                self.take(key, self.incoming.update(update))
                self.resync_if_needed(key)

    def take(self, key: tuple[int, str], readable: list[tuple[dict, str]]) -> None:
        """The server's versions now readable (drafting.text.replica.Incoming), its own
        edits' too: the replica knows it has them."""
        for update, text in readable:
            replica = self.replicas.get(key)
            if replica is None:
                self.replicas[key] = Replica(text, update["version"])
            else:
                replica.remote(update["version"], text)
        if readable:
            self.flush(key)

    def resync_if_needed(self, key: tuple[int, str], waited: bool = False) -> None:
        """Ask for a paragraph's text where a version is missing (or a patched copy did not
        match) and no answer to an edit of ours can bring it. A missing version is given
        GAP_S to come first: with two processes the updates of one paragraph reach a client
        by two ways (its own process, and the other's through Redis), not always in order."""
        replica = self.replicas.get(key)
        if not self.online or key in self.asking or not self.incoming.needs_resync(key):
            return
        if replica is not None and replica.inflight is not None:
            return
        loop = asyncio.get_running_loop()
        self.asking.add(key)
        if not waited and self.incoming.waits_for_a_gap(key):
            loop.call_later(GAP_S, self._after_gap, key)
            return
        self.resyncs += 1
        sock = self.socket

        def answered(current: dict) -> None:
            if sock is not self.socket:
                return  # the connection was given up; its join's snapshot stands in
            self.asking.discard(key)
            if current.get("retry"):  # the database did not answer: ask again shortly
                loop.call_later(RETRY_S, self.resync_if_needed, key, True)
                return
            if "error" in current:
                self.errors.append(f"{key} resync: {current['error']}")
                return
            readable = self.incoming.know(key, current["version"], current["text"])
            if key in self.replicas:
                self.replicas[key].remote(current["version"], current["text"])
            else:
                self.replicas[key] = Replica(current["text"], current["version"])
            self.take(key, readable)
            self.flush(key)

        data = {"paragraph_id": key[0], "lang": key[1]}
        asyncio.get_running_loop().create_task(self._ask(sock, "resync", data, answered))

    def _after_gap(self, key: tuple[int, str]) -> None:
        self.asking.discard(key)
        self.resync_if_needed(key, waited=True)

    def follow(self, paragraph_id: int) -> bool:
        """Whether the paragraph is one inserted by an amendment and not deleted since, which
        the client now follows."""
        if self.original is None or paragraph_id in self.original | self.retired:
            return False
        if paragraph_id not in self.inserted:
            self.inserted.append(paragraph_id)
        return True

    def forget(self, paragraph_id: int) -> None:
        """A deleted paragraph: typed into no more; what is in flight or unsent still goes."""
        if paragraph_id in self.inserted:
            self.inserted.remove(paragraph_id)
        self.retired.add(paragraph_id)

    def flush(self, key: tuple[int, str]) -> None:
        if not self.online:
            return
        edit = self.replicas[key].outgoing()
        if edit is not None:
            self.transmit(key, edit)

    def transmit(self, key: tuple[int, str], edit) -> None:
        sock = self.socket

        def answered(ack: dict) -> None:
            replica = self.replicas[key]
            if sock is not self.socket or replica.inflight is not edit:
                return  # an answer from a connection already given up
            if ack.get("retry"):  # the database did not answer: the same edit again, shortly
                self.retries += 1
                loop = asyncio.get_running_loop()
                loop.call_later(RETRY_S, lambda: self.resend(key, edit))
                return
            if "error" in ack:
                self.errors.append(f"{key}: {ack['error']}")
            else:
                self.acked.append(Acked(key[0], key[1], ack["version"], ack["text"]))
            replica.acknowledged(ack)
            self.take(key, self.incoming.acknowledged(key, ack))
            self.flush(key)
            self.resync_if_needed(key)

        data = {
            "paragraph_id": key[0],
            "lang": key[1],
            "base_version": edit.base_version,
            "patch": edit.patch,
        }
        asyncio.get_running_loop().create_task(self._emit(sock, data, answered))

    def resend(self, key: tuple[int, str], edit) -> None:
        if self.online and self.replicas[key].inflight is edit:
            self.transmit(key, edit)

    async def _emit(self, sock: LeanSocket, data: dict, answered) -> None:
        await self._ask(sock, "edit", data, answered)

    async def _ask(self, sock: LeanSocket, event: str, data: dict, answered) -> None:
        with contextlib.suppress(Exception):  # the connection is gone; _watch marks it lost
            await sock.emit(event, data, answered)

    def paragraph_for(self, op: Op) -> int:
        """The paragraph an operation is in: an inserted one the client follows, if it
        follows any, for INSERTED (else a shared one)."""
        if op.paragraph == -1:
            return self.own
        if op.paragraph == INSERTED:
            if self.inserted:
                return self.inserted[op.pick % len(self.inserted)]
            return self.targets[op.pick % len(self.targets)]
        return self.targets[op.paragraph]

    def apply(self, op: Op) -> None:
        """One local keystroke-level operation on a replica, then send if nothing is in flight."""
        key = (self.paragraph_for(op), op.lang)
        replica = self.replicas.get(key)
        if replica is None:
            return
        text = replica.local
        at = int(op.at * len(text))
        if op.kind == "delete":
            replica.edit(text[:at] + text[at + op.size :])
        else:
            replica.edit(text[:at] + op.text + text[at:])
        self.flush(key)

    def settled(self) -> bool:
        return self.online and all(
            r.settled and not self.incoming.needs_resync(key) for key, r in self.replicas.items()
        )


# --------------------------------------------------------------------------------------------
# Servers and faults
# --------------------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    rss_mb: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "drafting.server"],
            cwd=ROOT,
            env={**self.env, "PORT": str(self.port), "HOST": "127.0.0.1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server exited; see {self.log}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code in (200, 503):
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        sys.exit(f"the server did not start; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def sample_rss(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.rss_mb.append(int(line.split()[1]) / 1024)
        except OSError:
            pass


def cut(client: SoakClient, reset: bool) -> None:
    """Cut a client's socket: a TCP reset (SO_LINGER 0) or a clean close."""
    sock = client.socket
    if sock is None or sock.ws is None or not client.online:
        return
    client.went_offline()
    raw = sock.ws.transport.get_extra_info("socket")
    if reset and raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.ws.transport.abort()
    else:
        asyncio.get_running_loop().create_task(sock.close())


# --------------------------------------------------------------------------------------------
# One slice
# --------------------------------------------------------------------------------------------


@dataclass
class SliceResult:
    seed: int
    ops: int
    lost: int = 0
    diverged: int = 0
    problems: list[str] = field(default_factory=list)
    faults: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    edits: int = 0
    resyncs: int = 0  # texts the clients asked for again (SPEC §7's resync)
    decisions: Counter = field(default_factory=Counter)  # accepted / rejected / why not
    paragraphs: Counter = field(default_factory=Counter)  # inserted / deleted / why not
    clients: list[SoakClient] = field(default_factory=list, repr=False)
    layout: Layout | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.diverged or self.problems)


class Reviewer:
    """A committee member deciding tracked changes over the API (SPEC §11) while the others
    type: a rejection writes a `revert` version the typists must take in, an acceptance
    records a review; both go to every socket like any change."""

    def __init__(self, urls: list[str], email: str, document_id: int) -> None:
        self.urls, self.document_id = urls, document_id
        self.http = api_session(urls[0], email)

    def decide(self, verb: str, paragraph_id: int, lang: str) -> str | None:
        """Decide the paragraph's first pending change; None when done, else why not."""
        import requests

        base = f"{random.choice(self.urls)}/api/documents/{self.document_id}/changes"
        try:
            found = self.http.get(
                base, params={"paragraph": paragraph_id, "lang": lang, "from": "Rev.1"}, timeout=30
            )
            if found.status_code != 200:
                return f"answered {found.status_code}"
            (entry,) = found.json()["paragraphs"] or [{"ops": [], "accepted": {}}]
            pending = [  # an amendment's wording has no id: it was decided when accepted
                op[3]
                for op in entry["ops"]
                if op[0] != 0 and op[3] is not None and op[3] not in entry["accepted"]
            ]
            if not pending:
                return "nothing pending"
            answer = self.http.post(
                f"{base}/{pending[0]}/{verb}", params={"from": "Rev.1"}, timeout=30
            )
        except requests.ConnectionError:
            return "server down"  # a server kill or restart meanwhile
        if answer.status_code in (200, 201):
            return None
        return f"answered {answer.status_code}"  # 409: typed over meanwhile; 5xx: a problem


def api_session(url: str, email: str):
    """A person logged in over the JSON API, writes carrying the CSRF token."""
    import requests

    http = requests.Session()
    answer = http.post(f"{url}/api/login", json={"email": email, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    http.headers["X-CSRFToken"] = answer.json()["csrf_token"]
    return http


@dataclass
class Layout:
    """The document's paragraphs as the accepted amendments left them: reading order and
    parents, the paragraphs inserted (with their wording) and those deleted."""

    order: list[int]
    parent: dict[int, int | None]
    inserted: dict[int, dict[str, str]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)

    def alive(self) -> list[int]:
        return [p for p in self.inserted if p not in self.deleted]

    def _under(self, paragraph_id: int | None, ancestor: int) -> bool:
        while paragraph_id is not None:
            if paragraph_id == ancestor:
                return True
            paragraph_id = self.parent[paragraph_id]
        return False

    def _subtree(self, paragraph_id: int) -> slice:
        """Where the paragraph and everything under it stand in the reading order."""
        start = end = self.order.index(paragraph_id)
        while end + 1 < len(self.order) and self._under(self.order[end + 1], paragraph_id):
            end += 1
        return slice(start, end + 1)

    def insert(self, new: int, target: int, child: bool, texts: dict[str, str]) -> None:
        """After the target and its sub-paragraphs: as its next sibling or its last child."""
        self.order.insert(self._subtree(target).stop, new)
        self.parent[new] = target if child else self.parent[target]
        self.inserted[new] = texts

    def delete(self, paragraph_id: int) -> None:
        """The paragraph and every one under it (merging._descendants)."""
        where = self._subtree(paragraph_id)
        self.deleted.update(self.order[where])
        del self.order[where]


class Amender:
    """Paragraphs inserted and deleted by amendments while the others type (SPEC §3): the
    operation's person files the amendment (any delegation member may, in committee review),
    the committee member accepts it at once; both over the JSON API. Insertions go after, or
    under, a shared paragraph or an inserted one; deletions take only inserted paragraphs, so
    the shared and own paragraphs stay typed into. `layout` is what the document's paragraphs
    must now be."""

    def __init__(self, urls: list[str], accounts: list[dict], document_id: int, committee):
        self.urls, self.accounts, self.document_id = urls, accounts, document_id
        self.committee = committee  # the Reviewer's session
        self.members: dict[int, Any] = {}
        found = committee.get(f"{urls[0]}/api/documents/{document_id}", timeout=30)
        found.raise_for_status()
        shown = found.json()["paragraphs"]
        self.layout = Layout([p["id"] for p in shown], {p["id"]: p["parent_id"] for p in shown})

    def member(self, client: int):
        if client not in self.members:
            self.members[client] = api_session(self.urls[0], self.accounts[client]["email"])
        return self.members[client]

    def insert(self, op: Op, targets: list[int]) -> str | None:
        """File and accept an insertion; None when done, else why not."""
        candidates = targets + self.layout.alive()
        target = candidates[op.pick % len(candidates)]
        proposal = {
            "kind": "insert",
            "paragraph_id": target,
            "position": "child" if op.child else "after",
            "lang": "en",
            "text": op.text,
            "texts": {"es": op.translation},
            "rationale": "soak: a new paragraph",
        }
        decided, problem = self._file_and_accept(op.client, proposal)
        if problem:
            return problem
        texts = {"en": op.text, "es": op.translation}
        self.layout.insert(decided["created_paragraph_id"], target, op.child, texts)
        return None

    def delete(self, op: Op) -> str | None:
        """File and accept the deletion of an inserted paragraph; None when done."""
        alive = self.layout.alive()
        if not alive:
            return "nothing to delete"
        target = alive[op.pick % len(alive)]
        proposal = {"kind": "delete", "paragraph_id": target, "rationale": "soak: not needed"}
        _decided, problem = self._file_and_accept(op.client, proposal)
        if problem:
            return problem
        self.layout.delete(target)
        return None

    def _file_and_accept(self, client: int, proposal: dict) -> tuple[dict, str | None]:
        """Any answer but success is a problem: nothing else decides amendments, so nothing
        can stand in the way (and the server is up: faults come between operations)."""
        import requests

        url = random.choice(self.urls)
        what = f"{proposal['kind']} at paragraph {proposal['paragraph_id']}"
        try:
            filed = self.member(client).post(
                f"{url}/api/documents/{self.document_id}/amendments", json=proposal, timeout=30
            )
            if filed.status_code != 201:
                return {}, f"filing {what} answered {filed.status_code}: {filed.text[:300]}"
            decided = self.committee.post(
                f"{url}/api/amendments/{filed.json()['id']}/decision",
                json={"decision": "accept"},
                timeout=30,
            )
        except requests.ConnectionError as error:
            return {}, f"{what}: {error}"
        if decided.status_code != 200 or decided.json()["status"] != "accepted":
            return {}, f"accepting {what} answered {decided.status_code}: {decided.text[:300]}"
        return decided.json(), None


def run_slice(args, seed: int, ops: int, prefix: int | None = None) -> SliceResult:
    """One slice on a fresh server and database; `prefix` runs only the first operations of
    its schedule (shrinking)."""
    result = SliceResult(seed, ops if prefix is None else prefix)
    with tempfile.TemporaryDirectory(prefix="drafting-soak-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DRAFTING_INSTANCE": str(workdir / "instance"),
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'soak.db'}",
            "SOCKETIO_MESSAGE_QUEUE": args.message_queue or "",
            "SECRET_KEY": "soak-secret",
            "DRAFTING_SCHEDULER": "0",
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": "0",
        }
        setup = prepare(env, args.clients, args.clients, args.paragraphs + args.clients)
        targets = setup["paragraphs"][: args.paragraphs]
        others = setup["paragraphs"][args.paragraphs :] or targets
        owned = [others[i % len(others)] for i in range(args.clients)]
        servers = [
            Server(free_port(), env, workdir / f"server-{n}.log") for n in range(args.processes)
        ]
        for server in servers:
            server.start()
        started = time.monotonic()
        try:
            plan = schedule(
                seed, ops, args.clients, len(targets), args.fault_kinds, args.layout_rate
            )[:prefix]
            asyncio.run(drive(args, plan, setup, targets, owned, servers, result))
        finally:
            for server in servers:
                server.stop()
        result.seconds = time.monotonic() - started
        result.peak_rss_mb = round(max((m for s in servers for m in s.rss_mb), default=0.0), 1)
        check_store(env, setup, result)
        check_logs(servers, result)
        check_memory(servers, result)
    return result


async def drive(args, plan, setup, targets, owned, servers, result: SliceResult) -> None:
    urls = [s.url for s in servers]
    accounts = setup["accounts"]
    cookies = await asyncio.gather(
        *(asyncio.to_thread(login, urls[0], accounts[i]["email"]) for i in range(args.clients))
    )
    clients = [
        SoakClient(i, cookies[i], setup["document_id"], targets, owned[i], urls)
        for i in range(args.clients)
    ]
    await asyncio.gather(*(c.connect() for c in clients))
    reviewer = await asyncio.to_thread(Reviewer, urls, accounts[0]["email"], setup["document_id"])
    amender = await asyncio.to_thread(Amender, urls, accounts, setup["document_id"], reviewer.http)
    result.layout = amender.layout
    last_sample = 0.0
    for op in plan:
        client = clients[op.client]
        if time.monotonic() - last_sample > 0.5:
            for server in servers:
                server.sample_rss()
            last_sample = time.monotonic()
        if op.kind in FAULT_KINDS:
            await inject(op.kind, client, clients, servers, args, result)
        elif op.kind in ("accept", "reject"):
            paragraph_id = client.paragraph_for(op)
            problem = await asyncio.to_thread(reviewer.decide, op.kind, paragraph_id, op.lang)
            result.decisions[problem or op.kind] += 1
            if problem and problem.startswith("answered 5"):
                result.problems.append(f"{op.kind} in paragraph {paragraph_id}: {problem}")
        elif op.kind == "insert_paragraph":
            problem = await asyncio.to_thread(amender.insert, op, targets)
            result.paragraphs["inserted" if problem is None else "not inserted"] += 1
            if problem:
                result.problems.append(problem)
        elif op.kind == "delete_paragraph":
            problem = await asyncio.to_thread(amender.delete, op)
            if problem and problem != "nothing to delete":
                result.problems.append(problem)
                problem = "not deleted"
            result.paragraphs[problem or "deleted"] += 1
        elif op.kind == "pause":
            await asyncio.sleep(op.size / 1000)
        elif op.kind == "reconnect":
            if not client.offline_for:
                await client.connect()
        elif op.kind == "offline":
            if client.online:
                cut(client, reset=False)
                client.offline_for = op.size
        else:
            client.apply(op)
            if client.offline_for:
                client.offline_for -= 1
                if not client.offline_for:
                    await client.connect()
        await asyncio.sleep(0)
    await quiet(clients, result, set(amender.layout.alive()))
    # together: the server never answers the closing handshake, each close waits 10 s for it
    await asyncio.gather(*(c.socket.close() for c in clients if c.socket is not None))
    result.edits = sum(len(c.acked) for c in clients)
    result.resyncs = sum(c.resyncs for c in clients)
    result.problems += [f"client {c.index}: {e}" for c in clients for e in c.errors]
    result.clients = clients


async def inject(kind, client, clients, servers, args, result: SliceResult) -> None:
    if kind == "socket_reset" or kind == "socket_close":
        if not client.online:
            return
        client.offline_for = 0
        cut(client, reset=kind == "socket_reset")
        await asyncio.sleep(0.01)
        await client.connect()
    elif kind == "server_kill" or (kind == "process_kill" and len(servers) > 1):
        victim = servers[-1] if kind == "process_kill" else servers[0]
        victim.kill()
        for other in clients:
            if other.socket is not None and other.socket.address.startswith(
                victim.url.replace("http", "ws", 1)
            ):
                other.went_offline()
        await asyncio.sleep(0.05)
        await asyncio.to_thread(victim.start)
        for other in clients:
            other.offline_for = 0
        await asyncio.gather(*(c.connect() for c in clients if not c.online))
    elif kind == "database_restart" and args.db_restart_command:
        await asyncio.to_thread(subprocess.run, args.db_restart_command, shell=True, check=True)
    else:
        return  # this kind needs a set-up the run does not have
    result.faults[kind] += 1


async def quiet(clients: list[SoakClient], result: SliceResult, inserted: set[int]) -> None:
    """Bring everyone back online and wait until nothing is in flight or unsent and every
    client follows the inserted paragraphs still in the document."""
    for client in clients:
        client.offline_for = 0
        if not client.online:
            await client.connect()
    deadline = time.monotonic() + QUIET_TIMEOUT
    while time.monotonic() < deadline:
        if all(c.settled() and set(c.inserted) == inserted for c in clients):
            break
        for client in clients:
            for key in client.replicas:
                client.flush(key)
        await asyncio.sleep(0.05)
    else:
        result.problems.append("clients did not settle within 60 s")
    await asyncio.sleep(1.0)  # the last broadcasts are on their way


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def check_store(env: dict[str, str], setup: dict, result: SliceResult) -> None:
    """Acknowledged edits stored as acknowledged, contiguous versions, the paragraphs the
    amendments left, clients converged on every paragraph still in the document and
    following the inserted ones, the audit chain intact."""
    os.environ.update(env)
    from sqlalchemy import select

    from drafting import create_app
    from drafting.extensions import db
    from drafting.models import Document, Version

    app = create_app({"SCHEDULER_ENABLED": False})
    with app.app_context():
        keys = {k for c in result.clients for k in c.replicas}
        stored: dict[tuple[int, str], dict[int, str]] = {}
        for paragraph_id, lang in keys:
            rows = db.session.execute(
                select(Version.seq, Version.text).where(
                    Version.paragraph_id == paragraph_id, Version.lang == lang
                )
            ).all()
            seqs = sorted(seq for seq, _ in rows)
            if seqs != list(range(1, len(seqs) + 1)):
                result.problems.append(f"versions of {paragraph_id}/{lang} are not 1..n")
            stored[(paragraph_id, lang)] = dict(rows)
        if result.layout is not None:
            check_layout(db.session.get(Document, setup["document_id"]), result.layout, result)
        db.session.remove()
        db.engine.dispose()
    inserted = set(result.layout.alive()) if result.layout is not None else set()
    for client in result.clients:
        for ack in client.acked:
            if stored[(ack.paragraph_id, ack.lang)].get(ack.version) != ack.text:
                result.lost += 1
        if set(client.inserted) != inserted:
            result.problems.append(
                f"client {client.index} follows the inserted paragraphs {sorted(client.inserted)}"
                f", the document has {sorted(inserted)}"
            )
        missing = [(p, lang) for p in client.inserted for lang in LANGS]
        missing = [key for key in missing if key not in client.replicas]
        if missing:
            result.problems.append(f"client {client.index} follows {missing} without their text")
        for key, replica in client.replicas.items():
            versions = stored[key]
            newest = max(versions, default=0)
            if key[0] in client.retired:  # deleted: no page shows it, its typing all stored
                if not replica.settled:
                    result.diverged += 1
                    print(f"  diverged: client {client.index}, deleted {key}: {state(replica)}")
                    break
                continue
            if not replica.settled or replica.local != versions.get(newest, ""):
                result.diverged += 1
                print(
                    f"  diverged: client {client.index}, {key}: {state(replica)}; stored "
                    f"version {newest} {versions.get(newest, '')!r}"
                )
                break
    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "verify", str(setup["document_id"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if verify.returncode != 0:
        result.problems.append(f"flask verify: {(verify.stdout + verify.stderr).strip()[-400:]}")


def state(replica: Replica) -> str:
    """What a replica holds, for the report of a divergence."""
    return (
        f"version {replica.version}, in flight {replica.inflight is not None}, buffered "
        f"{replica.buffered is not None}, held {replica.held!r}, shadow {replica.shadow!r}, "
        f"local {replica.local!r}"
    )


def check_layout(document, layout: Layout, result: SliceResult) -> None:
    """The stored paragraphs are those the schedule's amendments left, in the order and under
    the parents it put them; the deleted ones are marked deleted; an inserted paragraph's
    first version in each language is its amendment's wording."""
    from sqlalchemy import select

    from drafting.extensions import db
    from drafting.models import Paragraph, Version
    from drafting.models.text import ParagraphStatus
    from drafting.services.documents import tree

    shown = [(p.id, p.parent_id) for p in tree(document)]
    expected = [(p, layout.parent[p]) for p in layout.order]
    if shown != expected:
        pairs = zip(shown, expected, strict=False)
        at = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(shown), len(expected)))
        result.problems.append(
            f"the document's paragraphs (id, parent) from #{at}: {shown[at : at + 4]}, the "
            f"schedule's: {expected[at : at + 4]} ({len(shown)} and {len(expected)} in all)"
        )
    for paragraph_id in sorted(layout.deleted):
        paragraph = db.session.get(Paragraph, paragraph_id)
        if paragraph is None or paragraph.status != ParagraphStatus.DELETED:
            result.problems.append(f"paragraph {paragraph_id} was deleted and is not")
    for paragraph_id, texts in layout.inserted.items():
        first = dict(
            db.session.execute(
                select(Version.lang, Version.text).where(
                    Version.paragraph_id == paragraph_id,
                    Version.seq == 1,
                    Version.amendment_id.is_not(None),
                )
            ).all()
        )
        if first != texts:
            result.problems.append(
                f"inserted paragraph {paragraph_id} began as {first}, its amendment: {texts}"
            )


def check_logs(servers: list[Server], result: SliceResult) -> None:
    for server in servers:
        text = server.log.read_text(errors="replace")
        if "Traceback" in text or '" 500 ' in text:
            lines = [ln for ln in text.splitlines() if ln.strip()]
            first = next((i for i, ln in enumerate(lines) if "Traceback" in ln), len(lines) - 12)
            shown = lines[max(first - 2, 0) : first + 40]  # the whole traceback, from its top
            result.problems.append(f"{server.log.name}: " + " | ".join(shown))


def check_memory(servers: list[Server], result: SliceResult) -> None:
    """Growth without bound shows as the last samples far above those after the warm-up."""
    for server in servers:
        samples = server.rss_mb
        if len(samples) < 20:
            continue
        early = statistics.median(samples[5:10])
        late = statistics.median(samples[-5:])
        if late > 1.5 * early and late - early > 100:
            result.problems.append(f"server RSS grew from {early:.0f} MB to {late:.0f} MB")


# --------------------------------------------------------------------------------------------
# Slices, shrinking and the report
# --------------------------------------------------------------------------------------------


def shrink(args, failed: SliceResult, ops: int) -> int:
    """The shortest prefix of the failing schedule (of `ops` operations) that still fails, by
    halving; each prefix is the same operations, faults included, as the whole schedule's."""
    shortest = failed.ops
    size = failed.ops // 2
    while size >= 10:
        print(f"  shrinking: {size} ops of seed {failed.seed} ...", flush=True)
        if run_slice(args, failed.seed, ops, prefix=size).failed:
            shortest = size
            size //= 2
        else:
            break
    return shortest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=20_000, help="operations in all")
    parser.add_argument("--slice", type=int, default=20_000, help="operations per slice")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--paragraphs", type=int, default=3, help="shared paragraphs")
    parser.add_argument("--faults", default="all", help="all, none or kinds, comma-separated")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--message-queue", default=None, help="e.g. redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--db-restart-command", default=None, help="restarts the database (PostgreSQL)"
    )
    parser.add_argument(
        "--layout-rate",
        type=float,
        default=LAYOUT_RATE,
        help="share of operations inserting or deleting a paragraph by amendment",
    )
    parser.add_argument(
        "--prefix", type=int, default=None, help="run only this many operations of each slice"
    )
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.processes > 1 and not args.message_queue:
        parser.error("several server processes share broadcasts through --message-queue")
    if args.faults == "all":
        args.fault_kinds = FAULT_KINDS
    elif args.faults == "none":
        args.fault_kinds = ()
    else:
        args.fault_kinds = tuple(k for k in args.faults.split(",") if k)
        unknown = set(args.fault_kinds) - set(FAULT_KINDS)
        if unknown:
            parser.error(f"unknown fault kinds: {', '.join(sorted(unknown))}")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    print(f"seed {seed}", flush=True)

    totals = SliceResult(seed, 0)
    started = time.monotonic()
    remaining, number = args.ops, 0
    while remaining > 0:
        size = min(args.slice, remaining)
        slice_seed = seed + number
        outcome = run_slice(args, slice_seed, size, args.prefix)
        totals.ops += outcome.ops
        totals.lost += outcome.lost
        totals.diverged += outcome.diverged
        totals.faults.update(outcome.faults)
        totals.peak_rss_mb = max(totals.peak_rss_mb, outcome.peak_rss_mb)
        totals.edits += outcome.edits
        totals.resyncs += outcome.resyncs
        totals.decisions.update(outcome.decisions)
        totals.paragraphs.update(outcome.paragraphs)
        print(
            f"slice {number + 1}: seed {slice_seed}, {outcome.ops} ops, {outcome.edits} edits "
            f"acknowledged in {outcome.seconds:.0f} s; lost {outcome.lost}, diverged "
            f"{outcome.diverged}; faults {dict(outcome.faults)}; changes decided "
            f"{dict(outcome.decisions)}; paragraphs {dict(outcome.paragraphs)}; peak RSS "
            f"{outcome.peak_rss_mb} MB",
            flush=True,
        )
        if outcome.failed:
            totals.problems += outcome.problems
            for problem in outcome.problems[:10]:
                print(f"  problem: {problem}", flush=True)
            if not args.no_shrink:
                shortest = shrink(args, outcome, size)
                rate = (
                    "" if args.layout_rate == LAYOUT_RATE else f" --layout-rate {args.layout_rate}"
                )
                print(
                    f"FAILED: seed {slice_seed}; the first {shortest} operations still fail: "
                    f"python bench/soak.py --seed {slice_seed} --ops {size} --slice {size} "
                    f"--prefix {shortest} --faults {args.faults}{rate}",
                    flush=True,
                )
            break
        remaining -= size
        number += 1
    seconds = round(time.monotonic() - started, 1)
    summary = {
        "ops": totals.ops,
        "lost": totals.lost,
        "diverged": totals.diverged,
        "faults": {kind: totals.faults.get(kind, 0) for kind in args.fault_kinds},
        "seconds": seconds,
        "peak_rss_mb": totals.peak_rss_mb,
        "seed": seed,
        "edits": totals.edits,
        "resyncs": totals.resyncs,
        "decisions": dict(totals.decisions),
        "paragraphs": dict(totals.paragraphs),
        "problems": len(totals.problems),
    }
    print(
        f"{totals.ops} ops, {totals.edits} edits acknowledged in {seconds} s: lost "
        f"{totals.lost}, diverged {totals.diverged}, faults {summary['faults']}, paragraphs "
        f"{summary['paragraphs']}, peak RSS {totals.peak_rss_mb} MB, problems "
        f"{len(totals.problems)}"
    )
    if args.json:
        print(json.dumps(summary))
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
