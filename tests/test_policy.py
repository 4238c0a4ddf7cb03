"""The permission matrix: every action x every role x every state, against a table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Document, Revision, User
from drafting.policy import Action, can, can_transition
from workflows import all_templates

SEC, PPT, COM, DEL, OBS = "secretariat", "ppt", "committee", "delegate", "observer"
ACCOUNTS = {
    SEC: "secretariat@demo.test",
    PPT: "panama@demo.test",
    COM: "elsalvador@demo.test",
    DEL: "mexico@demo.test",
    OBS: "iom@demo.test",
}
ALL = {SEC, PPT, COM, DEL, OBS}
MEMBERS = frozenset({PPT, COM, DEL})
ALL = frozenset(ALL)

# EXPECTED[workflow][action][state] = roles allowed (the proposer in `proposal` is the TS here).
ONLINE = {
    Action.VIEW: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure", "adopted"], ALL
    ),
    Action.EDIT_TEXT: {"proposal": {SEC, PPT, COM}, "committee_review": {PPT, COM}},
    Action.SET_STATUS: {"committee_review": {PPT}},
    Action.PROPOSE_AMENDMENT: {"online_round": MEMBERS, "committee_review": MEMBERS},
    Action.CO_SPONSOR: {"online_round": MEMBERS, "committee_review": MEMBERS},
    Action.WITHDRAW_AMENDMENT: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], MEMBERS
    ),
    Action.DECIDE_AMENDMENT: {"committee_review": {PPT, COM}},
    Action.COMMENT: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"],
        frozenset({SEC, *MEMBERS}),
    ),
    Action.FILE_RESERVATION: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], MEMBERS
    ),
    Action.TAG: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"],
        frozenset({SEC, PPT, COM}),
    ),
    Action.MANAGE: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], frozenset({SEC, PPT})
    ),
}
IN_SESSION = {
    Action.VIEW: dict.fromkeys(["proposal", "committee_review", "plenary_reading", "adopted"], ALL),
    Action.EDIT_TEXT: {
        "proposal": {SEC, PPT, COM},
        "committee_review": {PPT, COM},
        "plenary_reading": {PPT, COM},
    },
    Action.SET_STATUS: {"committee_review": {PPT}, "plenary_reading": {PPT}},
    Action.PROPOSE_AMENDMENT: {"committee_review": MEMBERS, "plenary_reading": MEMBERS},
    Action.CO_SPONSOR: {"committee_review": MEMBERS, "plenary_reading": MEMBERS},
    Action.WITHDRAW_AMENDMENT: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], MEMBERS
    ),
    Action.DECIDE_AMENDMENT: {"committee_review": {PPT, COM}, "plenary_reading": {PPT, COM}},
    Action.COMMENT: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], frozenset({SEC, *MEMBERS})
    ),
    Action.FILE_RESERVATION: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], MEMBERS
    ),
    Action.TAG: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], frozenset({SEC, PPT, COM})
    ),
    Action.MANAGE: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], frozenset({SEC, PPT})
    ),
}
EXPECTED = {"online_rounds": ONLINE, "in_session": IN_SESSION}
TRANSITION_ROLES = {
    "submit": {SEC, PPT},
    "open_round": {SEC, PPT},
    "close_round": {SEC, PPT},
    "start_silence": {PPT},
    "break_silence": {COM, DEL},
    "adopt": {PPT},
    "start_reading": {SEC, PPT},
}


def cases():
    for workflow in EXPECTED:
        states = all_templates()[workflow].states
        for action in Action:
            for state in states:
                for role in sorted(ALL):
                    yield workflow, action, state, role


def load_users() -> dict[str, User]:
    return {
        role: db.session.scalar(select(User).where(User.email == email))
        for role, email in ACCOUNTS.items()
    }


@pytest.fixture
def users(app, demo):
    """Call inside the test's own app context (one SQLite writer at a time)."""
    return load_users


def test_every_action_role_and_state(app, demo, users):
    with app.app_context():
        users = users()
        document = db.session.get(Document, demo.id)
        mismatches = []
        db.session.autoflush = False  # states are tried in memory only, never written
        for workflow, action, state, role in cases():
            document.workflow, document.state = workflow, state
            expected = role in EXPECTED[workflow][action].get(state, set())
            decision = can(users[role], action, document)
            if decision.allowed != expected:
                mismatches.append((workflow, action.value, state, role, decision.reasons))
            if not decision.allowed:
                assert decision.reasons, (workflow, action, state, role)
        db.session.rollback()
    assert mismatches == []


def test_observer_comments_only_where_the_document_allows(app, demo, users):
    with app.app_context():
        users = users()
        document = db.session.get(Document, demo.id)
        observer = users[OBS]
        assert not can(observer, Action.COMMENT, document).allowed
        document.allow_observer_comments = True
        assert can(observer, Action.COMMENT, document).allowed
        db.session.rollback()


def test_transition_roles(app, demo, users):
    with app.app_context():
        users = users()
        document = db.session.get(Document, demo.id)
        for workflow in EXPECTED:
            document.workflow = workflow
            for spec in all_templates()[workflow].transitions:
                for role in ALL:
                    decision = can_transition(users[role], spec.trigger, document)
                    expected = role in TRANSITION_ROLES[spec.trigger]
                    assert decision.allowed == expected, (workflow, spec.trigger, role)
        db.session.rollback()


def test_outsiders_are_refused_everything(app, demo):
    with app.app_context():
        document = db.session.get(Document, demo.id)
        db.session.autoflush = False
        for action in Action:
            assert not can(None, action, document).allowed
        document.state = "adopted"  # the state column alone publishes nothing
        assert not can(None, Action.VIEW, document).allowed
        document.revisions.append(Revision(label="Final", state="adopted", sha256="0" * 64))
        assert can(None, Action.VIEW, document).allowed
        assert not can(None, Action.COMMENT, document).allowed
        db.session.rollback()
