"""Tracked changes between two revisions (or a revision and now), attributed to delegations.

Every run of text is attributed through the chain of versions of its paragraph: inserted
and deleted runs to the delegation whose version made that change, unchanged runs to the
delegation whose version first brought that text in. The versions are immutable, so the
attribution of a (from-version, to-version) pair never changes and is memoised.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import and_, event, func, or_, select
from sqlalchemy.orm import Session

from drafting.events import on_commit
from drafting.extensions import db
from drafting.models import (
    Amendment,
    AmendmentText,
    ChangeReview,
    Delegation,
    Document,
    Paragraph,
    Revision,
    RevisionVersion,
    Version,
)
from drafting.models.amendments import AmendmentKind, AmendmentStatus
from drafting.models.text import ParagraphStatus, VersionSource
from drafting.services import change_push, revisions
from drafting.services.documents import revision_placement
from drafting.services.errors import BadInput, NotFound
from drafting.text import textdiff
from drafting.text.numbering import Node, Number, number_tree, reading_order

CURRENT = "current"
ACCEPTED, REJECTED = "accepted", "rejected"
INSERT, EQUAL, DELETE = textdiff.INSERT, textdiff.EQUAL, textdiff.DELETE


class ChangeRun(NamedTuple):
    """One stretch of tracked text: op (-1/0/1), text, delegation code, when it came in, and
    for an insertion or deletion the id of the change it belongs to.

    A change id names where the change was made, so it stays the same while other text
    changes: ``i<version>.<offset>`` for text a version typed (offset in that version's
    text), ``d<version>.<offset>`` for text of `from` a version removed (offset in the
    `from` text, which never changes), ``s<amendment>`` for a pending suggestion. The
    version id also says which paragraph and language the change is in.
    """

    op: int
    text: str
    delegation: str | None
    at: datetime | None
    change_id: str | None = None


def merged(runs: Sequence[ChangeRun]) -> list[ChangeRun]:
    """Adjacent runs with the same op and delegation as one (a typed word is one change):
    the first run's change id, the latest time."""
    out: list[ChangeRun] = []
    for run in runs:
        if not run.text:
            continue
        last = out[-1] if out else None
        if last is not None and last.op == run.op and last.delegation == run.delegation:
            at = max((t for t in (last.at, run.at) if t is not None), default=None)
            out[-1] = last._replace(text=last.text + run.text, at=at)
        else:
            out.append(run)
    return out


class Acceptance(NamedTuple):
    code: str
    name: str
    at: datetime


class Suggestion(NamedTuple):
    """A pending suggestion, as the tracked change it would make to the current text."""

    change_id: str
    amendment_id: int
    code: str
    name: str
    at: datetime
    diff: list[tuple[int, str]]


@dataclass
class ParagraphChanges:
    id: int
    number: str
    label: str
    depth: int
    section: str
    # "unchanged", "changed", "inserted" (not in `from`) or "deleted" (gone in `to`)
    change: str
    runs: list[ChangeRun] = field(default_factory=list)
    former_number: str | None = None
    # change id -> who accepted it (accepted changes stay attributed but are not pending)
    accepted: dict[str, Acceptance] = field(default_factory=dict)
    suggestions: list[Suggestion] = field(default_factory=list)

    def changes(self) -> list[ChangeRun]:
        """The runs with each change in one piece (what a reviewer accepts or rejects)."""
        return merged(self.runs)

    def ops(self) -> list[list[Any]]:
        """``[op, text, author, change_id]`` as the API gives them (SPEC §11)."""
        return [[r.op, r.text, r.delegation, r.change_id] for r in self.changes()]


@dataclass
class ChangeSet:
    document_id: int
    from_label: str
    to_label: str
    lang: str
    paragraphs: list[ParagraphChanges]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.from_label,
            "to": self.to_label,
            "lang": self.lang,
            "paragraphs": [
                {
                    "id": p.id,
                    "number": p.number,
                    "change": p.change,
                    "ops": p.ops(),
                    "times": {
                        r.change_id: r.at.isoformat()
                        for r in p.changes()
                        if r.change_id and r.at is not None
                    },
                    "accepted": {
                        cid: {"by": a.code, "by_name": a.name, "at": a.at.isoformat()}
                        for cid, a in p.accepted.items()
                    },
                    "suggestions": [
                        {
                            "change_id": x.change_id,
                            "amendment_id": x.amendment_id,
                            "author": x.code,
                            "author_name": x.name,
                            "at": x.at.isoformat(),
                            "ops": [[op, text] for op, text in x.diff],
                        }
                        for x in p.suggestions
                    ],
                }
                for p in self.paragraphs
            ],
        }

    def authors(self) -> list[str]:
        """Delegations with an insertion or deletion, in order of first appearance."""
        seen: dict[str, None] = {}
        for p in self.paragraphs:
            for run in p.runs:
                if run.op != EQUAL and run.delegation:
                    seen.setdefault(run.delegation)
        return list(seen)


def announce(document: Document, paragraph_id: int, lang: str) -> None:
    """Tell the room a paragraph's tracked changes since the latest circulated revision
    (what the live view shows by default), once the new version is committed: computed in
    the background, for all the paragraphs that changed meanwhile at once
    (services/change_push.py), not inside the edit."""
    app = current_app._get_current_object()
    document_id = document.id
    on_commit(db.session, lambda: change_push.queue(app, document_id, paragraph_id, lang))


def changes(
    document: Document, from_label: str | None, to_label: str | None, lang: str | None
) -> dict[str, Any]:
    """The API answer: ``{"from", "to", "paragraphs": [{"id", "number", "ops"}]}``."""
    return change_set(document, from_label, to_label, lang).as_json()


# --------------------------------------------------------------------------------------------
# Structure: which paragraphs each side holds, numbered as each side numbered them
# --------------------------------------------------------------------------------------------


class _Side(NamedTuple):
    label: str
    nodes: dict[int, Node]
    numbers: dict[int, Number]
    versions: dict[int, tuple[int, int, datetime]]  # paragraph -> (version id, seq, time)


def _revision_nodes(revision: Revision) -> dict[int, Node]:
    return {node.id: node for node, _ in revision_placement(revision)}


def _current_nodes(document: Document) -> dict[int, Node]:
    rows = db.session.execute(
        select(
            Paragraph.id,
            Paragraph.parent_id,
            Paragraph.position,
            Paragraph.section,
            Paragraph.status,
        ).where(Paragraph.document_id == document.id)
    )
    return {
        pid: Node(pid, parent, position, section.value, status == ParagraphStatus.DELETED)
        for pid, parent, position, section, status in rows
    }


def _revision_versions(revision: Revision, lang: str) -> dict[int, tuple[int, int, datetime]]:
    rows = db.session.execute(
        select(Version.paragraph_id, Version.id, Version.seq, Version.created_at)
        .join(RevisionVersion, RevisionVersion.version_id == Version.id)
        .where(RevisionVersion.revision_id == revision.id, Version.lang == lang)
    )
    return {pid: (vid, seq, at) for pid, vid, seq, at in rows}


def _current_versions(document: Document, lang: str) -> dict[int, tuple[int, int, datetime]]:
    newest = (
        select(Version.paragraph_id, func.max(Version.seq).label("seq"))
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .where(Paragraph.document_id == document.id, Version.lang == lang)
        .group_by(Version.paragraph_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Version.paragraph_id, Version.id, Version.seq, Version.created_at).join(
            newest,
            (Version.paragraph_id == newest.c.paragraph_id)
            & (Version.seq == newest.c.seq)
            & (Version.lang == lang),
        )
    )
    return {pid: (vid, seq, at) for pid, vid, seq, at in rows}


def _side(document: Document, label: str, lang: str) -> _Side:
    if label == CURRENT:
        nodes = _current_nodes(document)
        versions = _current_versions(document, lang)
    else:
        revision = revisions.find(document, label)
        nodes = _revision_nodes(revision)
        versions = _revision_versions(revision, lang)
    return _Side(label, nodes, number_tree(nodes.values()), versions)


def _deleters(document: Document) -> dict[int, tuple[str, datetime | None]]:
    """Who deleted each paragraph: the accepted deletion of it or of a paragraph above it."""
    rows = db.session.execute(
        select(Amendment.paragraph_id, Delegation.code, Amendment.decided_at)
        .join(Delegation, Delegation.id == Amendment.delegation_id)
        .where(
            Amendment.document_id == document.id,
            Amendment.kind == AmendmentKind.DELETE,
            Amendment.status.in_([AmendmentStatus.ACCEPTED, AmendmentStatus.MERGED]),
        )
    )
    return {pid: (code, at) for pid, code, at in rows}


def _deleter_of(
    pid: int, nodes: dict[int, Node], deleters: dict[int, tuple[str, datetime | None]]
) -> tuple[str | None, datetime | None]:
    seen = set()
    at: int | None = pid
    while at is not None and at not in seen:
        if at in deleters:
            return deleters[at]
        seen.add(at)
        node = nodes.get(at)
        at = node.parent_id if node else None
    return None, None


# --------------------------------------------------------------------------------------------
# Attribution through the version chain (memoised: versions never change)
# --------------------------------------------------------------------------------------------


class _V(NamedTuple):
    """One stored version as the attribution reads it."""

    id: int
    seq: int
    text: str
    code: str | None
    at: datetime
    source: str = VersionSource.EDIT.value


def _run(op: int, text: str, who: object, change_id: str | None = None) -> ChangeRun:
    code, at = who[:2] if isinstance(who, tuple) else (None, None)
    return ChangeRun(op, text, code, at, change_id if op != EQUAL else None)


def _push(out: list[ChangeRun], run: ChangeRun) -> None:
    """Append a run, continuing the previous one when it is the same op by the same version
    (it keeps the first piece's change id)."""
    if not run.text:
        return
    if out and out[-1][0] == run.op and out[-1][2:4] == run[2:4]:
        out[-1] = out[-1]._replace(text=out[-1].text + run.text)
    else:
        out.append(run)


def _restore_reverted(runs: list[ChangeRun], restored: set[str]) -> list[ChangeRun]:
    """A deletion followed by the same text put back by a rejection (a ``revert`` version)
    is no change at all: the text reads as it did in `from`."""
    out: list[ChangeRun] = []
    for run in runs:
        last = out[-1] if out else None
        if (
            last is not None
            and last.op == DELETE
            and run.op == INSERT
            and run.change_id in restored
            and run.text == last.text
        ):
            out[-1] = ChangeRun(EQUAL, run.text, None, None)
            continue
        out.append(run)
    return out


def extend(runs: Sequence[ChangeRun], later: Sequence[_V]) -> tuple[ChangeRun, ...]:
    """Carry tracked runs (from some base to a text T) over versions that followed T.

    Text T still holds stays as it was attributed; text T held that a later version removed
    becomes a deletion by that version if it was base text, and vanishes if it had been
    inserted within the chain; new text is an insertion by the version that typed it.
    """
    if not later:
        return tuple(runs)
    text = "".join(r.text for r in runs if r.op != DELETE)
    tail = textdiff.attribute(
        text, [(v.text, (v.code, v.at, v.id, v.source)) for v in later], origins=True
    )
    out: list[ChangeRun] = []
    restored: set[str] = set()
    ti, offset = 0, 0

    def insertions() -> None:
        nonlocal ti
        while ti < len(tail) and tail[ti][0] == INSERT:
            op, piece, who, start = tail[ti]
            change_id = f"i{who[2]}.{start}"
            if who[3] == VersionSource.REVERT.value:
                restored.add(change_id)
            _push(out, _run(op, piece, who, change_id))
            ti += 1

    at_from = 0  # offset in the `from` text (equal and deleted runs hold it)
    for run in runs:
        if run.op == DELETE:  # a tombstone: not part of T, stays where it is
            _push(out, run)
            at_from += len(run.text)
            continue
        i = 0
        while i < len(run.text):
            insertions()
            op, piece, who, _start = tail[ti]
            take = min(len(run.text) - i, len(piece) - offset)
            chunk = run.text[i : i + take]
            if op == EQUAL:
                _push(out, run._replace(text=chunk))
            elif run.op == EQUAL:  # base text removed now
                _push(out, _run(DELETE, chunk, who, f"d{who[2]}.{at_from + i}"))
            i += take
            offset += take
            if offset == len(piece):
                ti, offset = ti + 1, 0
        if run.op == EQUAL:
            at_from += len(run.text)
    insertions()
    return tuple(_restore_reverted(out, restored) if restored else out)


def attribute_chain(chain: Sequence[_V], from_seq: int, to_seq: int) -> tuple[ChangeRun, ...]:
    """Runs from the text at `from_seq` to the text at `to_seq` (0 = no text yet).

    Insertions and deletions go to the version that made them; unchanged text to the
    version that first typed it (the chain up to `from_seq`, read the same way).
    """
    by_seq = {v.seq: v for v in chain}
    if to_seq < from_seq:  # backwards: a plain comparison, nobody "made" these changes
        base = by_seq[from_seq].text if from_seq in by_seq else ""
        target = by_seq[to_seq].text if to_seq in by_seq else ""
        return tuple(_run(op, t, None) for op, t, _ in textdiff.attribute(base, [(target, None)]))
    typed = extend((), [v for v in chain if v.seq <= from_seq])
    base = tuple(r._replace(op=EQUAL, change_id=None) for r in typed)
    return extend(base, [v for v in chain if from_seq < v.seq <= to_seq])


# Attribution from one version onwards, memoised per (database, paragraph, language, from
# version) with the version it reached: asking again after a few edits only reads those.
class _Entry(NamedTuple):
    to_id: int | None
    to_seq: int
    runs: tuple[ChangeRun, ...]


_CACHE: OrderedDict[tuple, _Entry] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 20_000


def _cached(key: tuple) -> _Entry | None:
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None:
            _CACHE.move_to_end(key)
        return entry


def _remember(key: tuple, entry: _Entry) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = entry
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


MEMO_KEYS = "drafting.changes.memo"  # session.info: memo keys written in this transaction


def _forget_on_rollback(key: tuple) -> None:
    """Remember which memo entries this transaction wrote: one that read a version the
    transaction then rolls back must go (its id and number may be given to another text)."""
    db.session.info.setdefault(MEMO_KEYS, []).append(key)


@event.listens_for(Session, "after_rollback")
def _drop_memo_of_rolled_back(session: Session) -> None:
    # a savepoint too: its keys cannot be told apart from the rest, and evicting more is safe
    keys = session.info.pop(MEMO_KEYS, [])
    with _CACHE_LOCK:
        for key in keys:
            _CACHE.pop(key, None)


@event.listens_for(Session, "after_commit")
def _keep_memo_of_committed(session: Session) -> None:
    if not session.in_nested_transaction():  # a released savepoint may still roll back
        session.info.pop(MEMO_KEYS, None)


def clear_cache() -> None:
    """Forget memoised attributions (the bench measures with and without them)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _chains(document: Document, lang: str, wants: dict[int, int]) -> dict[int, list[_V]]:
    """Versions of the wanted paragraphs from the given seq on, oldest first, one query."""
    chains: dict[int, list[_V]] = {pid: [] for pid in wants}
    if not wants:
        return chains
    query = (
        select(
            Version.paragraph_id,
            Version.id,
            Version.seq,
            Version.text,
            Delegation.code,
            Version.created_at,
            Version.source,
        )
        .join(Paragraph, Paragraph.id == Version.paragraph_id)
        .outerjoin(Delegation, Delegation.id == Version.delegation_id)
        .where(Paragraph.document_id == document.id, Version.lang == lang)
        .order_by(Version.paragraph_id, Version.seq)
    )
    if len(wants) <= 300:
        query = query.where(
            or_(*(and_(Version.paragraph_id == p, Version.seq >= s) for p, s in wants.items()))
        )
    for pid, vid, seq, text, code, at, source in db.session.execute(query):
        if pid in chains and seq >= wants[pid]:
            chains[pid].append(_V(vid, seq, text, code, at, VersionSource(source).value))
    return chains


# --------------------------------------------------------------------------------------------
# The change set
# --------------------------------------------------------------------------------------------


def _label_or_default(document: Document, label: str | None, *, default_current: bool) -> str:
    if label is not None and not isinstance(label, str):
        raise BadInput("revision labels are text, e.g. Rev.1")
    if label:
        return label
    if default_current:
        return CURRENT
    circulated = revisions.latest_circulated(document)
    if circulated is None:
        raise NotFound("the document has no circulated revision yet")
    return circulated.label


def _attributions(
    document: Document, lang: str, ids: list[int], old: _Side, new: _Side
) -> dict[int, tuple[ChangeRun, ...]]:
    """Runs for paragraphs on both sides, from the memo where possible, else computed from
    the versions they still need (extending a memoised attribution by the newer ones)."""
    url = db.engine.url.render_as_string(hide_password=True)
    out: dict[int, tuple[ChangeRun, ...]] = {}
    jobs: dict[int, tuple[tuple, _Entry | None, int, int, int | None]] = {}
    wants: dict[int, int] = {}
    for pid in ids:
        f, t = old.versions.get(pid), new.versions.get(pid)
        from_seq, to_seq, to_id = (f[1] if f else 0), (t[1] if t else 0), (t[0] if t else None)
        key = (url, pid, lang, f[0] if f else None)
        entry = _cached(key)
        if entry is not None and entry.to_seq == to_seq and entry.to_id == to_id:
            out[pid] = entry.runs
            continue
        usable = entry is not None and from_seq <= entry.to_seq < to_seq
        jobs[pid] = (key, entry if usable else None, from_seq, to_seq, to_id)
        wants[pid] = entry.to_seq if usable and entry else 1
    chains = _chains(document, lang, wants)
    for pid, (key, entry, from_seq, to_seq, to_id) in jobs.items():
        chain = chains[pid]
        if entry is not None and chain and chain[0].id == entry.to_id:
            runs = extend(entry.runs, [v for v in chain if entry.to_seq < v.seq <= to_seq])
        elif entry is not None:  # the memo does not match this database: start over
            runs = attribute_chain(_chains(document, lang, {pid: 1})[pid], from_seq, to_seq)
        else:
            runs = attribute_chain(chain, from_seq, to_seq)
        if to_seq >= from_seq:
            _remember(key, _Entry(to_id, to_seq, runs))
            _forget_on_rollback(key)
        out[pid] = runs
    return out


def _acceptances(
    document: Document, lang: str, paragraph_ids: set[int] | None
) -> dict[tuple[int, str], Acceptance]:
    rows = db.session.execute(
        select(
            ChangeReview.paragraph_id,
            ChangeReview.change_id,
            Delegation.code,
            Delegation.name,
            ChangeReview.created_at,
        )
        .join(Delegation, Delegation.id == ChangeReview.delegation_id)
        .where(
            ChangeReview.document_id == document.id,
            ChangeReview.lang == lang,
            ChangeReview.decision == ACCEPTED,
            *([ChangeReview.paragraph_id.in_(list(paragraph_ids))] if paragraph_ids else []),
        )
    )
    return {(pid, cid): Acceptance(code, name, at) for pid, cid, code, name, at in rows}


def _suggestions(document: Document, lang: str, current: dict[int, str]) -> dict[int, list]:
    """Pending suggestions on the paragraphs in `current` (id -> current text), each as the
    change it would make to that text (its wording merged onto it; as typed if that fails)."""
    rows = db.session.execute(
        select(Amendment, AmendmentText)
        .join(AmendmentText, AmendmentText.amendment_id == Amendment.id)
        .where(
            Amendment.document_id == document.id,
            Amendment.suggestion.is_(True),
            Amendment.status == AmendmentStatus.SUBMITTED,
            AmendmentText.lang == lang,
            Amendment.paragraph_id.in_(list(current)),
        )
        .order_by(Amendment.id)
    )
    out: dict[int, list[Suggestion]] = {}
    for amendment, wording in rows:
        now = current.get(amendment.paragraph_id, "")
        base = db.session.get(Version, wording.base_version_id) if wording.base_version_id else None
        merged_text = textdiff.merge(base.text if base else "", wording.text, now)
        target = merged_text.text if isinstance(merged_text, textdiff.Applied) else wording.text
        out.setdefault(amendment.paragraph_id, []).append(
            Suggestion(
                f"s{amendment.id}",
                amendment.id,
                amendment.delegation.code,
                amendment.delegation.name,
                amendment.created_at,
                textdiff.diff(now, target),
            )
        )
    return out


def change_set(
    document: Document,
    from_label: str | None = None,
    to_label: str | None = None,
    lang: str | None = None,
    *,
    paragraph_ids: set[int] | None = None,
) -> ChangeSet:
    """Tracked changes with rich runs (op, text, delegation code, time), paragraph by
    paragraph in reading order; deleted paragraphs stay where they stood. With
    `paragraph_ids`, only those paragraphs (a live view following one paragraph's edits)."""
    lang = lang or document.languages[0]
    if lang not in document.languages:
        raise BadInput(f"language {lang!r} is not one of {', '.join(document.languages)}")
    from_label = _label_or_default(document, from_label, default_current=False)
    to_label = _label_or_default(document, to_label, default_current=True)
    if from_label == CURRENT:
        raise BadInput("from must be a revision label")
    old = _side(document, from_label, lang)
    new = _side(document, to_label, lang)
    nodes = dict(new.nodes)
    for pid, node in old.nodes.items():
        nodes.setdefault(pid, node)
    plan: list[tuple[Node, str]] = []
    for node in reading_order(nodes.values()):
        was = node.id in old.nodes and not old.nodes[node.id].deleted
        now = node.id in new.nodes and not new.nodes[node.id].deleted
        if (was or now) and (paragraph_ids is None or node.id in paragraph_ids):
            plan.append((node, "changed" if was and now else ("inserted" if now else "deleted")))
    computed = _attributions(document, lang, [n.id for n, c in plan if c == "changed"], old, new)
    chains = _chains(document, lang, {n.id: 1 for n, c in plan if c != "changed"})
    deleters = _deleters(document) if any(c == "deleted" for _, c in plan) else {}
    accepted = _acceptances(document, lang, paragraph_ids)
    suggestions = (
        _suggestions(
            document,
            lang,
            {
                pid: "".join(r.text for r in runs if r.op != DELETE)
                for pid, runs in computed.items()
            },
        )
        if to_label == CURRENT
        else {}
    )

    out: list[ParagraphChanges] = []
    for node, change in plan:
        number = new.numbers.get(node.id) or old.numbers.get(node.id)
        former = old.numbers.get(node.id)
        entry = ParagraphChanges(
            id=node.id,
            number=number.number if number else "",
            label=number.label if number else "",
            depth=number.depth if number else 1,
            section=node.section,
            change=change,
            former_number=former.number if former else None,
        )
        chain = chains.get(node.id, [])
        if change == "changed":
            entry.runs = list(computed[node.id])
            entry.accepted = {
                r.change_id: accepted[(node.id, r.change_id)]
                for r in entry.runs
                if (node.id, r.change_id) in accepted
            }
            entry.suggestions = suggestions.get(node.id, [])
            if all(r.op == EQUAL for r in entry.runs):
                entry.change = "unchanged"
        elif change == "inserted":
            t = new.versions.get(node.id)
            upto = [v for v in chain if t and v.seq <= t[1]]
            if upto:
                entry.runs = [ChangeRun(INSERT, upto[-1].text, upto[0].code, upto[0].at)]
        else:
            f = old.versions.get(node.id)
            text = next((v.text for v in chain if f and v.seq == f[1]), "")
            code, at = _deleter_of(node.id, nodes, deleters)
            entry.runs = [ChangeRun(DELETE, text, code, at)] if text else []
        out.append(entry)
    return ChangeSet(document.id, from_label, to_label, lang, out)
