"""What a refused write must leave unchanged: every table's row count (logins aside, since
a test client logging in adds a session row, and so is a member's first look at the text in a
round, which the round dashboard records) and the states that live in columns."""

from __future__ import annotations

from sqlalchemy import func, select, text

from drafting.extensions import db

LOGIN_TABLES = ("user", "login_session", "round_opening")


def row_counts() -> tuple[int, ...]:
    """Rows per table, in a fixed order, leaving out the tables a login writes to."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in LOGIN_TABLES
    )


def column_states() -> tuple:
    """Document states, paragraph statuses, amendment statuses and users' locales."""
    return tuple(
        tuple(db.session.execute(text(query)).all())
        for query in (
            "SELECT id, state FROM document ORDER BY id",
            "SELECT id, status FROM paragraph ORDER BY id",
            "SELECT id, status FROM amendment ORDER BY id",
            'SELECT id, locale FROM "user" ORDER BY id',
        )
    )
