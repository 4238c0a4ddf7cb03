"""Group commit: the live edits of one document that arrive while one is being stored wait,
then go into the next transaction together.

Every transaction pays the same fixed price whatever it holds: BEGIN and the write lock, the
document and its revisions, the author's roles, the row lock on PostgreSQL, COMMIT. In a
plenary the edits of one document arrive faster than that price allows when they are paid
one by one; the edits that queue behind a transaction now share the next one. The first to
arrive stores its edit at once (after one turn for the others), so an idle document adds no
delay.

Each edit of a shared transaction runs inside its own SAVEPOINT: one that is refused (a
patch that no longer fits, a bad paragraph) is rolled back alone, with the broadcasts it
queued, and the others go on. Every edit is answered only after the COMMIT that holds it;
when that COMMIT fails, every edit in it is answered with the failure and none was stored.
The batch runs in the session of the handler that leads it; the others wait until it is
done, and the first still waiting leads the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drafting.database import holding_on, release
from drafting.extensions import db
from drafting.services.errors import ServiceError


class Abandoned(Exception):
    """The shared transaction was rolled back because of another edit in it: nothing of this
    one was stored, and it can be sent again."""


@dataclass(eq=False)
class _Job:
    work: Callable[[], Any]
    reads: Any = None  # what the work will read, for read_ahead
    read_ahead: Callable[[list[Any]], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None
    answered: bool = False  # value or error is its outcome
    leads: bool = False  # handed the next batch instead of an outcome

    def answer(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error, self.answered = value, error, True


@dataclass(eq=False)
class _Queue:
    key: object
    guard: threading.Lock = field(default_factory=threading.Lock)
    waiting: list[_Job] = field(default_factory=list)
    busy: bool = False


_queues: dict[object, _Queue] = {}  # only the documents with an edit under way or waiting
_queues_guard = threading.Lock()  # taken before a queue's own guard, never after
_committed = {"transactions": 0, "works": 0}  # in this process, since it started


def committed() -> dict[str, int]:
    """Transactions committed here and the works they held (shown by /healthz: works per
    transaction above 1 means edits are being grouped), and how many keys have works under
    way now (0 once nobody is typing: an idle document keeps no queue)."""
    with _queues_guard:
        return {**_committed, "queues": len(_queues)}


def submit(
    key: object,
    work: Callable[[], Any],
    *,
    reads: Any = None,
    read_ahead: Callable[[list[Any]], None] | None = None,
) -> Any:
    """Run `work` in a transaction shared with the other works submitted under `key`
    meanwhile, and return its value once committed (or raise what it raised, ServiceError
    included, or the database's error from COMMIT, or Abandoned).

    When several works share a transaction, `read_ahead` is called first with the `reads` of
    each, to read at once what each of them would ask for on its own."""
    job = _Job(work, reads, read_ahead)
    with _queues_guard:
        queue = _queues.setdefault(key, _Queue(key))
        with queue.guard:
            queue.waiting.append(job)
            leads = not queue.busy
            queue.busy = True
    if not leads:
        job.done.wait()
        leads = job.leads
    if leads:
        _lead(queue)
    if job.error is not None:
        raise job.error
    return job.value


def waiting(key: object) -> int:
    """How many works wait for the transaction under way for `key` (for health and tests)."""
    queue = _queues.get(key)
    return len(queue.waiting) if queue is not None else 0


def _lead(queue: _Queue) -> None:
    """Run everything waiting as one batch, then hand the queue to whoever came meanwhile.

    It first lets the others run for a moment: under gevent nothing else runs while a batch
    is stored (SQLite does not yield), so the edits that arrived meanwhile are still
    unread events until the leader yields; one turn lets their handlers queue them here."""
    time.sleep(0)
    with queue.guard:
        batch, queue.waiting = queue.waiting, []
    try:
        with holding_on():
            _run(batch)
    finally:
        with _queues_guard, queue.guard:
            following = queue.waiting[0] if queue.waiting else None
            if following is None:
                queue.busy = False
                del _queues[queue.key]  # the next work under this key starts a new one
            else:
                following.leads = True
        for job in batch:
            if not job.answered:  # the leader itself was stopped half-way
                job.answer(error=Abandoned("the transaction was not completed"))
            job.done.set()
        if following is not None:
            following.done.set()


def _run(batch: list[_Job]) -> None:
    session = db.session()
    if len(batch) == 1:  # alone: the transaction is the edit's own, no savepoint needed
        (job,) = batch
        try:
            value = job.work()
        except BaseException as error:
            release()
            job.answer(error=error)
            return
        stored = [(job, value)]
    else:
        try:
            if batch[0].read_ahead is not None:
                batch[0].read_ahead([job.reads for job in batch])
        except BaseException as error:
            release()
            for job in batch:
                job.answer(error=error)
            return
        stored = []
        for job in batch:
            outcome = _run_apart(session, job)
            if outcome is LOST:
                release()
                for other in batch:
                    if not other.answered:
                        other.answer(error=Abandoned("another edit in its transaction failed"))
                return
            if outcome is not REFUSED:
                stored.append((job, outcome))
    try:
        session.commit()
    except BaseException as error:
        release()
        for job, _value in stored:
            job.answer(error=error)
        return
    for job, value in stored:
        job.answer(value)
    with _queues_guard:
        _committed["transactions"] += 1
        _committed["works"] += len(stored)


REFUSED, LOST = object(), object()  # outcomes of _run_apart besides the work's value


def _run_apart(session, job: _Job) -> Any:
    """One work of a shared batch in its own SAVEPOINT: its value; REFUSED when it raised a
    ServiceError (its part rolled back alone, with the broadcasts it queued); LOST when the
    whole transaction must go (an unexpected error, or a work that ended it itself)."""
    savepoint = session.begin_nested()
    try:
        value = job.work()
    except ServiceError as error:
        job.answer(error=error)
        if not savepoint.is_active:
            return LOST  # it rolled back the outer transaction: the others' rows are gone
        savepoint.rollback()  # its broadcasts go with it (drafting.events)
        return REFUSED
    except BaseException as error:
        job.answer(error=error)
        return LOST
    savepoint.commit()
    return value
