"""The permission matrix: every action x every role x every state, against a table."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.roles import ACCOUNTS, ALL, EXPECTED, OBS, TRANSITION_ROLES
from support.statements import counting

from drafting.extensions import db
from drafting.models import Document, Membership, Revision, User
from drafting.models.people import Role
from drafting.policy import Action, can, can_transition, role_in
from workflows import all_templates


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


def test_the_committee_may_not_edit_or_restore_another_delegations_proposal(app, auth, demo):
    """Before submission the text is the proposer's draft (the TS's here), not the committee's."""
    auth.login("secretariat@demo.test")
    paragraph = demo.paragraph("8.a")
    with app.app_context():
        db.session.get(Document, demo.id).state = "proposal"
        db.session.commit()
    auth.login("elsalvador@demo.test")
    base = f"/api/documents/{demo.id}/paragraphs/{paragraph['id']}"
    edit = auth.post(f"{base}/versions", {"lang": "en", "text": "Taken over", "base_version": 1})
    assert edit.status_code == 409
    assert "only the proposer" in edit.get_json()["error"]
    restore = auth.post(f"{base}/restore", {"lang": "en", "version": 1})
    assert restore.status_code == 409
    assert demo.paragraph("8.a")["text"] == paragraph["text"]
    assert demo.paragraph("8.a")["version"] == paragraph["version"]


def test_a_role_is_read_once_per_transaction_and_again_after_a_membership_write(app, demo):
    with app.app_context():
        document = db.session.get(Document, demo.id)
        mexico = db.session.scalar(select(User).where(User.email == "mexico@demo.test"))
        with counting(db.engine) as seen:
            answers = {action: can(mexico, action, document).allowed for action in Action}
        assert seen.memberships == 1
        assert not answers[Action.EDIT_TEXT]
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == mexico.id, Membership.process_id == document.process_id
            )
        )
        membership.role = Role.COMMITTEE
        assert role_in(mexico, document.process_id) == Role.COMMITTEE
        db.session.rollback()
        assert role_in(mexico, document.process_id) == Role.DELEGATE
