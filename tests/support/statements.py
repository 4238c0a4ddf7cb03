"""Counting the SQL statements a block of code sends, for query-count ceilings (tests) and
bench/page.py. Counts, not timings: they do not depend on the machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Statements:
    """The statements sent while a `counting` block ran."""

    sent: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent)

    @property
    def memberships(self) -> int:
        """Role lookups (policy.role_in): SELECTs of a role from the membership table."""
        return sum(1 for statement in self.sent if _is_role_lookup(statement))


def _is_role_lookup(statement: str) -> bool:
    head, _, tail = statement.partition("FROM")
    return (
        head.lstrip().upper().startswith("SELECT")
        and "membership.role" in head
        and tail.lstrip().startswith("membership")
    )


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Record every statement the engine sends while the block runs."""
    seen = Statements()

    def listener(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.sent.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
