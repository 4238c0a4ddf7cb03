"""The permission table the policy and authorization tests both hold the app to:
action x role x state, for each workflow template, and who may take each step."""

from __future__ import annotations

from drafting.policy import Action

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
    Action.EDIT_TEXT: {"proposal": {SEC, PPT}, "committee_review": {PPT, COM}},
    Action.SET_STATUS: {"committee_review": {PPT}},
    Action.PROPOSE_AMENDMENT: {"online_round": MEMBERS, "committee_review": MEMBERS},
    Action.CO_SPONSOR: {"online_round": MEMBERS, "committee_review": MEMBERS},
    Action.WITHDRAW_AMENDMENT: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], MEMBERS
    ),
    Action.DECIDE_AMENDMENT: {"committee_review": {PPT, COM}},
    Action.RECOMMEND_AMENDMENT: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], frozenset({PPT, COM})
    ),
    Action.MARK_POSITION: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], MEMBERS
    ),
    Action.REVIEW_CHANGE: {"committee_review": {PPT, COM}},
    Action.SUGGEST: {},  # the demo process takes no suggestions (tests/test_review.py)
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
    Action.VIEW_ROUNDS: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure", "adopted"],
        frozenset({SEC, PPT, COM}),
    ),
    Action.REMIND_SILENT: dict.fromkeys(
        ["proposal", "committee_review", "online_round", "silence_procedure"], frozenset({SEC, PPT})
    ),
}
IN_SESSION = {
    Action.VIEW: dict.fromkeys(["proposal", "committee_review", "plenary_reading", "adopted"], ALL),
    Action.EDIT_TEXT: {
        "proposal": {SEC, PPT},
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
    Action.RECOMMEND_AMENDMENT: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], frozenset({PPT, COM})
    ),
    Action.MARK_POSITION: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading"], MEMBERS
    ),
    Action.REVIEW_CHANGE: {"committee_review": {PPT, COM}, "plenary_reading": {PPT, COM}},
    Action.SUGGEST: {},
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
    Action.VIEW_ROUNDS: dict.fromkeys(
        ["proposal", "committee_review", "plenary_reading", "adopted"], frozenset({SEC, PPT, COM})
    ),
    Action.REMIND_SILENT: dict.fromkeys(
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
