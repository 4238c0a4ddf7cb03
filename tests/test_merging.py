"""Property-based tests of accepting amendments: the three-way merge through the service.

Words are edited on a paragraph the way delegations do: an amendment rewrites one stretch of
words, the committee meanwhile rewrites another. When the stretches are apart (at least one
untouched word between them) accepting keeps both; when they overlap nothing changes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VOCABULARY = [
    "States", "shall", "should", "ensure", "migrants", "rights", "regional", "cooperation",
    "protect", "promote", "the", "of", "and", "to", "children", "health", "access", "services",
    "measures", "national", "policies", "families", "return", "integration", "dignity",
]  # fmt: skip
NEW_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def word_edit(draw, length: int):
    """(start, end, replacement words) over a text of `length` words."""
    start = draw(st.integers(0, length - 1))
    end = draw(st.integers(start + 1, min(length, start + 3)))
    return start, end, draw(st.lists(st.sampled_from(NEW_WORDS), min_size=1, max_size=3))


@st.composite
def edits_apart(draw, length: int):
    """Two word edits with at least one untouched word between them, in either order."""
    s1 = draw(st.integers(0, length - 3))
    e1 = draw(st.integers(s1 + 1, min(s1 + 3, length - 2)))
    s2 = draw(st.integers(e1 + 1, length - 1))
    e2 = draw(st.integers(s2 + 1, min(s2 + 3, length)))
    words = st.lists(st.sampled_from(NEW_WORDS), min_size=1, max_size=3)
    first, second = (s1, e1, draw(words)), (s2, e2, draw(words))
    return (first, second) if draw(st.booleans()) else (second, first)


def apply(words: list[str], edit) -> list[str]:
    start, end, replacement = edit
    return words[:start] + replacement + words[end:]


class Bench:
    """A paragraph of the demo document driven through the services."""

    def __init__(self, app, demo) -> None:
        from sqlalchemy import select

        from drafting.extensions import db
        from drafting.models import Document, Paragraph, User

        self.db = db
        self.document = db.session.get(Document, demo.id)
        self.paragraph = db.session.scalar(
            select(Paragraph).where(Paragraph.document_id == demo.id).order_by(Paragraph.id.desc())
        )
        by_mail = {u.email: u for u in db.session.scalars(select(User))}
        self.mexico = by_mail["mexico@demo.test"]
        self.committee = by_mail["elsalvador@demo.test"]

    def text(self) -> str:
        from drafting.services.paragraphs import latest

        return latest(self.paragraph.id, "en").text

    def write(self, text: str) -> None:
        from drafting.services.paragraphs import store_version

        store_version(self.document, self.paragraph, self.committee, "en", text)
        self.db.session.commit()

    def amend(self, text: str) -> int:
        from drafting.services import amendments

        proposal = amendments.parse_proposal(
            self.document,
            {"kind": "modify", "paragraph_id": self.paragraph.id, "text": text, "rationale": "R."},
        )
        amendment = amendments.file(self.document, self.mexico, proposal)
        self.db.session.commit()
        return amendment.id

    def accept(self, amendment_id: int):
        from drafting.services import merging
        from drafting.services.errors import Conflict

        decision = merging.Verdict(accept=True)
        try:
            result = merging.decide(self.document, amendment_id, self.committee, decision)
        except Conflict as conflict:
            self.db.session.rollback()
            return conflict
        self.db.session.commit()
        return result


@SETTINGS
@given(data=st.data(), words=st.lists(st.sampled_from(VOCABULARY), min_size=6, max_size=24))
def test_accepting_keeps_every_concurrent_change_elsewhere(app, demo, data, words):
    with app.app_context():
        bench = Bench(app, demo)
        bench.write(" ".join(words))
        mine, theirs = data.draw(edits_apart(len(words)))
        aid = bench.amend(" ".join(apply(words, mine)))
        bench.write(" ".join(apply(words, theirs)))  # the committee, meanwhile
        result = bench.accept(aid)
        assert not hasattr(result, "extra"), result.extra
        first, second = sorted([mine, theirs])
        expected = apply(apply(words, second), first)  # apply the later stretch first
        assert bench.text() == " ".join(expected)
        assert result.status.value == "accepted"


@SETTINGS
@given(data=st.data(), words=st.lists(st.sampled_from(VOCABULARY), min_size=4, max_size=20))
def test_a_conflict_changes_nothing(app, demo, data, words):
    from drafting.models import Amendment, Version

    with app.app_context():
        bench = Bench(app, demo)
        bench.write(" ".join(words))
        mine = data.draw(word_edit(len(words)))
        # The committee rewrites one of the same words differently.
        at = data.draw(st.integers(mine[0], mine[1] - 1))
        theirs = (at, at + 1, ["zulu"])
        aid = bench.amend(" ".join(apply(words, mine)))
        bench.write(" ".join(apply(words, theirs)))
        before = bench.text()
        versions = bench.db.session.query(Version).count()
        result = bench.accept(aid)
        assert result.status == 409
        assert result.extra["current"] == before
        assert result.extra["proposed"] == " ".join(apply(words, mine))
        assert bench.text() == before
        assert bench.db.session.query(Version).count() == versions
        amendment = bench.db.session.get(Amendment, aid)
        assert amendment.status.value == "submitted"
        # Leave no pending amendment behind for the next example.
        amendment.status = amendment.status.__class__("rejected")
        bench.db.session.commit()
