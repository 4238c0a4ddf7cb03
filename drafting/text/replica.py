"""The live editor's client algorithm in Python; static/js/editor.js is the same in the browser.

The convergence tests and bench/live.py drive the server through it. One ``Replica`` is one
client's copy of one paragraph in one language:

- ``shadow``/``version``: the last server text this client knows and its version number;
- ``local``: what the person sees, i.e. shadow plus keystrokes not yet acknowledged;
- at most one edit in flight: a patch shadow -> local sent against ``version``.

On the acknowledgement the server's text becomes the shadow and keystrokes typed since the
send are carried over onto it. Changes from others that arrive while an edit is in flight
wait until its answer comes: until then one cannot tell whether they already contain the
edit (a version number is a total order, so after the answer it is clear: a higher number
contains it, a lower one is already contained in the answer). Carrying over is
:func:`drafting.text.rebase.rebase`, which keeps every inserted character of both sides (the
client's own first where both typed at one spot, so the word being typed stays whole).
``map_caret`` is the editor's caret rule: someone else's text inserted at the caret goes
after it.

An update carries the patch from the version before and the text it makes, or with
LIVE_UPDATE_HASHES only the text's SHA-1 (SPEC §7): ``Incoming`` keeps the newest server
text of every paragraph and language (from updates, acknowledgements, snapshots and
``resync`` answers), turns each hashed update back into its text, holds one that comes
ahead of a missing version and says which paragraphs need a ``resync`` (a version missed,
or a patched copy whose hash differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drafting.text import textdiff
from drafting.text.rebase import insertion_ends, rebase


@dataclass(frozen=True)
class Inflight:
    base_version: int
    patch: str
    shadow: str  # the text the patch was made from
    sent: str  # the local text it produces


class Replica:
    def __init__(self, text: str, version: int) -> None:
        self.shadow = text
        self.version = version
        self.local = text
        self.inflight: Inflight | None = None
        self.buffered: tuple[int, str] | None = None
        self.held: str | None = None  # the server refused the text as it is (say, brackets)
        self.typing_at: list[int] = []  # where in shadow this client's last insertions end

    def edit(self, text: str) -> None:
        """The person changed the text."""
        self.local = text
        self.held = None

    def outgoing(self) -> Inflight | None:
        """The next edit to send, if one may go now."""
        if self.inflight is not None or self.held is not None or self.local == self.shadow:
            return None
        self.inflight = Inflight(
            self.version, textdiff.make_patch(self.shadow, self.local), self.shadow, self.local
        )
        return self.inflight

    def acknowledged(self, ack: dict[str, Any]) -> None:
        """The server answered the edit in flight: ``{version, text}`` or ``{error, ...}``.
        An answer with ``retry`` (the database did not answer) is no answer: the same edit
        stays in flight to be sent again, as after a lost connection."""
        if ack.get("retry"):
            return
        sent, self.inflight = self.inflight, None
        if sent is None:
            return
        if "error" not in ack:
            typing_at = insertion_ends(sent.shadow, sent.sent)
            self.local = rebase(
                sent.sent, self.local, ack["text"], mine_first=True, mine_at=typing_at
            )
            self.typing_at = [map_caret(sent.sent, ack["text"], at) for at in typing_at]
            self.shadow, self.version = ack["text"], ack["version"]
        elif ack.get("current"):
            # Not applied: all local changes are still to send, on top of the current text.
            self.remote(ack["current"]["version"], ack["current"]["text"])
        else:
            self.held = ack["error"]
        if self.buffered is not None:
            version, text = self.buffered
            self.buffered = None
            self.remote(version, text)

    def remote(self, version: int, text: str) -> None:
        """Someone else's version (a broadcast, or a snapshot after reconnecting)."""
        if self.inflight is not None:
            if self.buffered is None or version > self.buffered[0]:
                self.buffered = (version, text)
            return
        if version <= self.version:
            return
        self.local = rebase(self.shadow, self.local, text, mine_first=True, mine_at=self.typing_at)
        self.typing_at = [map_caret(self.shadow, text, at) for at in self.typing_at]
        self.shadow, self.version = text, version

    def disconnected(self) -> Inflight | None:
        """The connection dropped: the answer to the edit in flight may be lost, so the same
        edit is sent again after rejoining (the server recognises it if it was stored)."""
        return self.inflight

    @property
    def settled(self) -> bool:
        return self.inflight is None and self.buffered is None and self.local == self.shadow


Key = tuple[int, str]  # (paragraph_id, lang)
# How long a missing version may take to arrive before the text is asked again: with several
# server processes a paragraph's updates reach a client by two ways, not always in order.
GAP_S = 0.5


@dataclass
class Incoming:
    """One client's copy of the server's newest text per paragraph and language."""

    known: dict[Key, tuple[int, str]] = field(default_factory=dict)  # key -> (version, text)
    ahead: dict[Key, dict[int, dict]] = field(default_factory=dict)  # updates past a gap
    mismatched: set[Key] = field(default_factory=set)

    def know(self, key: Key, version: int, text: str) -> list[tuple[dict, str]]:
        """A whole text from the server (an ack, a snapshot, an answer to ``resync``);
        returns the held updates it makes readable, each with its text, in version order."""
        if key not in self.known or version > self.known[key][0]:
            self.known[key] = (version, text)
            self.mismatched.discard(key)
        return self._readable(key)

    def update(self, update: dict) -> list[tuple[dict, str]]:
        """An update as it arrived; returns the updates now readable (this one, and those
        held behind it), each with its text. An update with its ``text`` is readable at once."""
        key = (update["paragraph_id"], update["lang"])
        if "text" in update:
            return [(update, update["text"]), *self.know(key, update["version"], update["text"])]
        version, _text = self.known.get(key, (0, ""))  # a paragraph new to us starts empty
        if update["version"] > version:
            self.ahead.setdefault(key, {})[update["version"]] = update
        return self._readable(key)

    def acknowledged(self, key: Key, ack: dict) -> list[tuple[dict, str]]:
        """The answer to an edit of ours: its text, or the current one a refusal carries, is
        the server's (held updates may follow it)."""
        server = ack if "error" not in ack else ack.get("current")
        return self.know(key, server["version"], server["text"]) if server else []

    def needs_resync(self, key: Key) -> bool:
        """A version is missing before a held update, or a patched copy did not match."""
        return key in self.mismatched or bool(self.ahead.get(key))

    def waits_for_a_gap(self, key: Key) -> bool:
        """Only a version is missing (no mismatch): it may still come, within GAP_S."""
        return key not in self.mismatched and bool(self.ahead.get(key))

    def _readable(self, key: Key) -> list[tuple[dict, str]]:
        held = self.ahead.get(key)
        out: list[tuple[dict, str]] = []
        while held and key not in self.mismatched:
            version, text = self.known.get(key, (0, ""))
            for stale in [v for v in held if v <= version]:
                del held[stale]
            update = held.pop(version + 1, None)
            if update is None:
                break
            patched = _patched(update, text)
            if patched is None:
                self.mismatched.add(key)
                held[update["version"]] = update
                break
            self.known[key] = (update["version"], patched)
            out.append((update, patched))
        if not held:
            self.ahead.pop(key, None)
        return out


def _patched(update: dict, text: str) -> str | None:
    """The text an update's patch makes of ``text``, if its hash says it is the server's."""
    patched = textdiff.apply_exact(update["patch"], text)
    if patched is not None and textdiff.text_sha1(patched) == update.get("text_sha1"):
        return patched
    return None


def map_caret(before: str, after: str, caret: int) -> int:
    """Where a caret at ``caret`` in ``before`` goes once the text reads ``after`` (the
    editor's mapCaret): like diff_xIndex, except that text inserted exactly at the caret goes
    after it, so someone else's typing next to mine does not push my caret past their words."""
    old = new = 0
    for op, text in textdiff.char_diff(before, after):
        if op == textdiff.INSERT:
            if old >= caret:
                return new
            new += len(text)
            continue
        if old + len(text) >= caret:
            return new + (caret - old) if op == textdiff.EQUAL else new
        old += len(text)
        if op == textdiff.EQUAL:
            new += len(text)
    return new
