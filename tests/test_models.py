"""Model-level invariants: versions and the audit log are append-only; numbers are computed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from drafting.extensions import db
from drafting.models import AuditEntry, ImmutableRow, Paragraph, Version
from drafting.models.text import ParagraphStatus
from drafting.text.numbering import Node, number_tree


def test_a_version_cannot_be_updated_in_place(app, demo):
    with app.app_context():
        version = db.session.scalar(select(Version).limit(1))
        version.text = "tampered"
        with pytest.raises(ImmutableRow):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Version, version.id).text != "tampered"


def test_a_version_cannot_be_deleted_or_bulk_updated(app, demo):
    with app.app_context():
        version = db.session.scalar(select(Version).limit(1))
        db.session.delete(version)
        with pytest.raises(ImmutableRow):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ImmutableRow):
            db.session.execute(update(Version).values(text="x"))
        db.session.rollback()


def test_audit_entries_are_append_only(app, demo):
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).limit(1))
        entry.reason = "rewritten history"
        with pytest.raises(ImmutableRow):
            db.session.flush()
        db.session.rollback()


def test_deleting_a_paragraph_renumbers_the_rest(app, demo):
    with app.app_context():
        from drafting.models import Document
        from drafting.services.documents import numbers

        document = db.session.get(Document, demo.id)
        before = numbers(document)
        by_number = {n.number: pid for pid, n in before.items()}
        paragraph = db.session.get(Paragraph, by_number["8.a"])
        paragraph.status = ParagraphStatus.DELETED
        db.session.flush()
        after = numbers(document)
        assert by_number["8.a"] not in after
        assert after[by_number["8.b"]].number == "8.a"
        assert after[by_number["9"]].number == "9"
        db.session.rollback()


def test_numbering_of_a_tree():
    nodes = [
        Node(1, None, 0, "preamble"),
        Node(2, None, 1, "operative"),
        Node(3, 2, 0, "operative"),
        Node(4, 3, 0, "operative"),
        Node(5, 3, 1, "operative"),
        Node(6, None, 2, "operative"),
        Node(7, 2, 1, "operative"),
    ]
    numbers = {k: v.number for k, v in number_tree(nodes).items()}
    assert numbers == {1: "PP1", 2: "1", 3: "1.a", 4: "1.a.i", 5: "1.a.ii", 7: "1.b", 6: "2"}
