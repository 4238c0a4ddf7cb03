"""A text finalised between meetings: committee review, online rounds, silence, adoption."""

NAME = "online_rounds"
TITLE = {"en": "Online rounds", "es": "Rondas en línea"}
INITIAL = "proposal"
STATES = ["proposal", "committee_review", "online_round", "silence_procedure", "adopted"]
# The state in which the drafting committee may edit the text live.
EDITING_STATES = ["proposal", "committee_review"]
AMENDING_STATES = ["online_round", "committee_review"]
# Where amendments are decided and paragraph statuses set.
DECIDING_STATES = ["committee_review"]
STATUS_STATES = ["committee_review"]

TRANSITIONS = [
    {
        "trigger": "submit",
        "source": "proposal",
        "dest": "committee_review",
        "roles": ["secretariat", "ppt", "proposer"],
    },
    {
        "trigger": "open_round",
        "source": "committee_review",
        "dest": "online_round",
        "roles": ["secretariat", "ppt"],
        "deadline": "round",
        "after": ["snapshot_round_revision", "schedule_deadline"],
    },
    {
        "trigger": "close_round",
        "source": "online_round",
        "dest": "committee_review",
        "roles": ["secretariat", "ppt"],
        "after": ["settle_deadline"],
    },
    {
        "trigger": "start_silence",
        "source": "committee_review",
        "dest": "silence_procedure",
        "roles": ["ppt"],
        "deadline": "silence",
        "conditions": ["no_pending_amendments", "no_brackets", "languages_in_step"],
        "after": ["snapshot_silence_revision", "schedule_deadline"],
    },
    {
        "trigger": "break_silence",
        "source": "silence_procedure",
        "dest": "committee_review",
        "roles": ["delegate", "committee"],
        "member_state_only": True,
        "reason_required": True,
        "conditions": ["silence_running"],
        "after": ["settle_deadline"],
    },
    {
        "trigger": "adopt",
        "source": "silence_procedure",
        "dest": "adopted",
        "roles": ["ppt"],
        "conditions": ["silence_unbroken_past_deadline", "languages_in_step"],
        "before": ["settle_deadline", "seal_final_text"],
    },
]
