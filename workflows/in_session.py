"""Conclusions drafted and adopted during a meeting, read paragraph by paragraph."""

NAME = "in_session"
TITLE = {"en": "In session", "es": "En sesión"}
INITIAL = "proposal"
STATES = ["proposal", "committee_review", "plenary_reading", "adopted"]
EDITING_STATES = ["proposal", "committee_review", "plenary_reading"]
AMENDING_STATES = ["committee_review", "plenary_reading"]
# Where amendments are decided and paragraph statuses set.
DECIDING_STATES = ["committee_review", "plenary_reading"]
STATUS_STATES = ["committee_review", "plenary_reading"]

TRANSITIONS = [
    {
        "trigger": "submit",
        "source": "proposal",
        "dest": "committee_review",
        "roles": ["secretariat", "ppt", "proposer"],
    },
    {
        "trigger": "start_reading",
        "source": "committee_review",
        "dest": "plenary_reading",
        "roles": ["secretariat", "ppt"],
        "after": ["snapshot_round_revision"],
    },
    {
        "trigger": "adopt",
        "source": "plenary_reading",
        "dest": "adopted",
        "roles": ["ppt"],
        "conditions": ["no_pending_amendments", "all_agreed", "languages_in_step"],
        "before": ["seal_final_text"],
    },
]
