"""Words the interface shows for values stored in English (workflow states and steps, roles,
languages, actions), in the user's language.

The JSON API keeps the stored English values (clients and checks rely on them); pages show
them through these functions, registered as Jinja globals. Refusal reasons are rendered by
drafting.reasons, which uses these words for their parameters.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATES = {
    "proposal": _l("proposal"),
    "committee_review": _l("committee review"),
    "online_round": _l("online round"),
    "silence_procedure": _l("silence procedure"),
    "plenary_reading": _l("plenary reading"),
    "adopted": _l("adopted"),
}
TRANSITIONS = {
    "submit": _l("Submit"),
    "open_round": _l("Open round"),
    "close_round": _l("Close round"),
    "start_silence": _l("Start silence procedure"),
    "break_silence": _l("Break silence"),
    "adopt": _l("Adopt"),
    "start_reading": _l("Start plenary reading"),
}
# What a step does that cannot be taken back, said before it is taken (the confirmation).
CONSEQUENCES = {
    "submit": _l(
        "Submitting sends the proposal to the drafting committee; it cannot be taken back."
    ),
    "open_round": _l(
        "Opening the round records the current text as a new revision and lets delegations "
        "propose amendments until the deadline."
    ),
    "close_round": _l(
        "Closing the round ends amendment filing now, whatever the deadline; the committee "
        "then reviews what was filed."
    ),
    "start_silence": _l(
        "Starting the silence procedure freezes the text as the revision put to silence; "
        "unless a delegation breaks silence before the deadline, the PPT may adopt it."
    ),
    "break_silence": _l(
        "Breaking silence ends the procedure for every delegation and sends the text back "
        "to the drafting committee."
    ),
    "adopt": _l("Adopting freezes the text for ever and publishes it."),
    "start_reading": _l(
        "Starting the plenary reading ends the committee's review; the text is read in plenary."
    ),
}
ROLES = {
    "secretariat": _l("secretariat"),
    "ppt": _l("Presidency Pro Tempore"),
    "committee": _l("drafting committee"),
    "delegate": _l("delegate"),
    "observer": _l("observer"),
}
LANGUAGES = {
    "en": _l("English"),
    "es": _l("Spanish"),
    "fr": _l("French"),
    "pt": _l("Portuguese"),
}
ACTIONS = {
    "view": _l("view"),
    "edit text": _l("edit the text"),
    "set status": _l("set the status"),
    "propose amendment": _l("propose amendments"),
    "co sponsor": _l("co-sponsor"),
    "withdraw amendment": _l("withdraw amendments"),
    "decide amendment": _l("decide amendments"),
    "recommend amendment": _l("recommend decisions on amendments"),
    "mark position": _l("mark positions on paragraphs"),
    "comment": _l("comment"),
    "file reservation": _l("file reservations"),
    "tag": _l("tag paragraphs"),
    "manage": _l("manage the document"),
    "view rounds": _l("see the round dashboard"),
    "remind silent": _l("remind silent delegations"),
}

# What the audit log records (AuditEntry.action).
AUDIT_ACTIONS = {
    "import": _l("imported"),
    "translation_import": _l("translation imported"),
    "edit": _l("text edited"),
    "status": _l("status set"),
    "transition": _l("workflow step"),
    "amendment_filed": _l("amendment filed"),
    "amendment_co_sponsored": _l("amendment co-sponsored"),
    "amendment_withdrawn": _l("amendment withdrawn"),
    "amendment_decided": _l("amendment decided"),
    "comment": _l("comment"),
    "reservation": _l("reservation filed"),
    "tags": _l("tags changed"),
    "silence_unbroken": _l("silence ended unbroken"),
    "presidency_handed_over": _l("presidency handed over"),
    "proposal": _l("proposal"),
    "silent_reminded": _l("silent delegations reminded"),
    "ad_ref_confirmed": _l("ad referendum agreement confirmed"),
    "ad_ref_expired": _l("ad referendum agreement expired"),
    "signed_off": _l("signed off by the head of delegation"),
}


def audit_action_label(action: str) -> str:
    return str(AUDIT_ACTIONS.get(action, action.replace("_", " ")))


AMENDMENT_STATUSES = {
    "submitted": _l("submitted"),
    "accepted": _l("accepted"),
    "merged": _l("accepted with changes"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "superseded": _l("superseded"),
}
AMENDMENT_KINDS = {"modify": _l("modify"), "insert": _l("insert"), "delete": _l("delete")}
RECOMMENDATIONS = {
    "accept": _l("accept"),
    "accept_with_changes": _l("accept with changes"),
    "reject": _l("reject"),
    "compromise": _l("seek a compromise"),
}


def amendment_label(value: str) -> str:
    """An amendment's status, kind or recommendation in words (files written away from a
    page; the pages use the same words in their macros)."""
    for names in (AMENDMENT_STATUSES, AMENDMENT_KINDS, RECOMMENDATIONS):
        if value in names:
            return str(names[value])
    return value


def state_label(state: str) -> str:
    return str(STATES.get(state, state.replace("_", " ")))


def transition_label(name: str) -> str:
    return str(TRANSITIONS.get(name, name.replace("_", " ").capitalize()))


def consequence(name: str) -> str:
    """What taking the workflow step `name` does, for its confirmation."""
    return str(CONSEQUENCES.get(name, _l("This step cannot be undone.")))


def role_label(role: object) -> str:
    value = getattr(role, "value", role)
    return str(ROLES.get(str(value), str(value)))


def language_label(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def action_label(value: str) -> str:
    """An action ("edit_text") or a workflow step ("start_silence") as a verb phrase."""
    words = value.replace("_", " ")
    if words in ACTIONS:
        return str(ACTIONS[words])
    return str(TRANSITIONS.get(value, words)).lower()


def workflow_labels() -> dict[str, str]:
    """State and step names for the workflow diagram."""
    return {
        **{k: str(v) for k, v in STATES.items()},
        **{k: str(v).lower() for k, v in TRANSITIONS.items()},
    }
