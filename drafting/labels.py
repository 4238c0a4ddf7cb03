"""Words the interface shows for values stored in English (workflow states and steps, roles,
languages) and for the reasons the workflow gives, in the user's language.

The JSON API keeps the stored English values and reasons (clients and checks rely on them);
pages show them through these functions, registered as Jinja globals and filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask_babel import gettext
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
    "comment": _l("comment"),
    "file reservation": _l("file reservations"),
    "tag": _l("tag paragraphs"),
    "manage": _l("manage the document"),
}


def state_label(state: str) -> str:
    return str(STATES.get(state, state.replace("_", " ")))


def transition_label(name: str) -> str:
    return str(TRANSITIONS.get(name, name.replace("_", " ").capitalize()))


def role_label(role: object) -> str:
    value = getattr(role, "value", role)
    return str(ROLES.get(str(value), str(value)))


def language_label(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def _language_named(name: str) -> str:
    by_english = {"English": "en", "Spanish": "es", "French": "fr", "Portuguese": "pt"}
    return language_label(by_english.get(name, name))


def _action(words: str) -> str:
    if words in ACTIONS:
        return str(ACTIONS[words])
    return TRANSITIONS.get(words.replace(" ", "_"), words).__str__().lower()


def _spaced_state(name: str) -> str:
    return state_label(name.strip().replace(" ", "_"))


def _states(names: str) -> str:
    return ", ".join(state_label(n.strip()) for n in names.split(","))


# (pattern of the English reason, its translation built from the groups)
REASONS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^paragraph (?P<n>\S+) is bracketed$"),
     lambda m: gettext("paragraph %(number)s is bracketed", number=m["n"])),
    (re.compile(r"^paragraph (?P<n>\S+) is not agreed yet$"),
     lambda m: gettext("paragraph %(number)s is not agreed yet", number=m["n"])),
    (re.compile(r"^(?P<c>\d+) amendments? (?:is|are) pending$"),
     lambda m: gettext("%(count)s amendment(s) pending", count=m["c"])),
    (re.compile(r"^(?P<l>\w+) text of (?P<n>\S+) is missing$"),
     lambda m: gettext("%(language)s text of %(number)s is missing",
                       language=_language_named(m["l"]), number=m["n"])),
    (re.compile(r"^(?P<l>\w+) text of (?P<n>\S+) is older than the (?P<o>.+)$"),
     lambda m: gettext("%(language)s text of %(number)s is older than the %(other)s",
                       language=_language_named(m["l"]), number=m["n"],
                       other=" / ".join(_language_named(o) for o in m["o"].split(" or ")))),
    (re.compile(r"^the silence procedure ended unbroken at (?P<t>.+)$"),
     lambda m: gettext("the silence procedure ended unbroken at %(time)s", time=m["t"])),
    (re.compile(r"^the silence procedure runs until (?P<t>.+)$"),
     lambda m: gettext("the silence procedure runs until %(time)s", time=m["t"])),
    (re.compile(r"^no silence procedure is under way$"),
     lambda m: gettext("no silence procedure is under way")),
    (re.compile(r"^you do not take part in this process$"),
     lambda m: gettext("you do not take part in this process")),
    (re.compile(r"^the document is adopted(?: and can no longer change)?$"),
     lambda m: gettext("the document is adopted and can no longer change")),
    (re.compile(r"^the (?P<r>\w+) role may not (?P<a>.+)$"),
     lambda m: gettext("the %(role)s role may not %(action)s",
                       role=role_label(m["r"]), action=_action(m["a"]))),
    (re.compile(r"^only member-country delegations may (?P<a>.+)$"),
     lambda m: gettext("only member-country delegations may %(action)s",
                       action=_action(m["a"]))),
    (re.compile(r"^not possible while the document is in (?P<s>\w+) \(only in (?P<o>.+)\)$"),
     lambda m: gettext("not possible while the document is in %(state)s (only in %(states)s)",
                       state=state_label(m["s"]), states=_states(m["o"]))),
    (re.compile(r"^(?P<t>\w+) is only possible from (?P<s>.+), not (?P<c>[\w ]+)$"),
     lambda m: gettext("%(step)s is only possible from %(sources)s, not %(state)s",
                       step=transition_label(m["t"]),
                       sources=" / ".join(_spaced_state(s) for s in m["s"].split(" or ")),
                       state=_spaced_state(m["c"]))),
    (re.compile(r"^not possible in (?P<s>\w+)$"),
     lambda m: gettext("not possible in %(state)s", state=state_label(m["s"]))),
    (re.compile(r"^a reason is required$"), lambda m: gettext("a reason is required")),
]  # fmt: skip


def reason_label(reason: str) -> str:
    """A workflow or policy reason in the user's language (unknown ones stay as they are)."""
    for pattern, render in REASONS:
        match = pattern.match(reason)
        if match:
            return render(match)
    return reason


def workflow_labels() -> dict[str, str]:
    """State and step names for the workflow diagram."""
    return {
        **{k: str(v) for k, v in STATES.items()},
        **{k: str(v).lower() for k, v in TRANSITIONS.items()},
    }


def init_app(app: Flask) -> None:
    from workflows.diagram import svg

    app.jinja_env.globals.update(
        state_label=state_label,
        transition_label=transition_label,
        role_label=role_label,
        language_label=language_label,
        reason_label=reason_label,
        workflow_diagram=lambda template, current: svg(template, current, workflow_labels()),
    )
    app.jinja_env.filters["reason_label"] = reason_label
