"""Why something is refused, as data: a code and its parameters, made by the policy, the
workflow and the services, rendered in the reader's language by the catalogue (one message
per code) and never parsed back.

English is the source language: its sentences keep the stored values as clients read them
("the delegate role may not edit text", "start_silence is only possible from ..."); other
languages show the interface's words for those values. Importing this module needs no Flask,
so the workflow engine can make Reasons too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a catalogue message for extraction; it is translated when rendered."""
    return message


@dataclass(frozen=True)
class Reason:
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        """A Reason with its parameters (lists are frozen into tuples, so Reasons hash)."""
        if code not in MESSAGES:
            raise KeyError(f"unknown reason code {code!r}")
        frozen = {k: tuple(v) if isinstance(v, list | set) else v for k, v in params.items()}
        return cls(code, tuple(sorted(frozen.items())))

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.params)

    def as_json(self) -> dict[str, Any]:
        """`{"code": "paragraph_bracketed", "paragraph": "6.b"}`, for clients to act on."""
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}
        return {"code": self.code, **params}

    def __str__(self) -> str:
        return english(self)


# How a parameter reads: `english` is the stored value as clients match it, `label` the
# interface's word for it in another language.
@dataclass(frozen=True)
class Param:
    english: Callable[[Any], str] = str
    label: Callable[[Any], str] | None = None
    joiner: str | None = None  # lists: ", " or " or " (translated)


def _spaced(value: Any) -> str:
    return str(value).replace("_", " ")


def _label(kind: str) -> Callable[[Any], str]:
    def label(value: Any) -> str:
        from drafting import labels

        return getattr(labels, f"{kind}_label")(value)

    return label


STEP = Param(label=_label("transition"))
SPACED_STEP = Param(english=_spaced, label=_label("action"))
STATE = Param(label=_label("state"))
SPACED_STATE = Param(english=_spaced, label=_label("state"))
ROLE = Param(label=_label("role"))
LANGUAGE = Param(english=_label("language"), label=_label("language"))


@dataclass(frozen=True)
class Message:
    text: str
    params: Mapping[str, Param] = field(default_factory=dict)
    plural: str | None = None  # used when the `count` parameter is not 1


# Every code, with its catalogue message (the English sentence) and how its parameters read.
MESSAGES: dict[str, Message] = {
    # who may act
    "not_participant": Message(N_("you do not take part in this process")),
    "role_may_not": Message(
        N_("the %(role)s role may not %(action)s"), {"role": ROLE, "action": SPACED_STEP}
    ),
    "member_states_only": Message(
        N_("only member-country delegations may %(action)s"), {"action": SPACED_STEP}
    ),
    "import_staff_only": Message(N_("only the secretariat and the PPT import documents")),
    "withdraw_own_only": Message(N_("only the proposing delegation may withdraw its amendment")),
    "suggestions_off": Message(N_("this process does not take suggestions typed into the text")),
    "head_of_delegation_only": Message(
        N_("only the head of the delegation that agreed ad referendum may confirm it")
    ),
    "head_signs_off_only": Message(
        N_("only the head of the delegation signs off its members' filings")
    ),
    "round_not_open": Message(N_("reminders go out only while the round is open")),
    # when
    "document_adopted": Message(N_("the document is adopted and can no longer change")),
    "adopted": Message(N_("the document is adopted")),
    "proposer_only": Message(N_("only the proposer edits the text while it is a proposal")),
    "wrong_state": Message(
        N_("not possible while the document is in %(state)s (only in %(states)s)"),
        {"state": STATE, "states": Param(label=_label("state"), joiner=", ")},
    ),
    "unknown_step": Message(N_("%(step)s is not a step of this workflow"), {"step": STEP}),
    "unknown_transition": Message(N_("unknown transition %(step)s"), {"step": STEP}),
    "not_in_workflow": Message(
        N_("%(step)s is not a step of the %(workflow)s workflow"), {"step": STEP}
    ),
    "only_from": Message(
        N_("%(step)s is only possible from %(sources)s, not %(state)s"),
        {
            "step": STEP,
            "sources": Param(english=_spaced, label=_label("state"), joiner=N_(" or ")),
            "state": SPACED_STATE,
        },
    ),
    "not_possible_now": Message(N_("%(step)s is not possible now"), {"step": SPACED_STEP}),
    "step_refused": Message(N_("%(step)s was refused"), {"step": STEP}),
    "reason_required": Message(N_("a reason is required")),
    # the text's conditions
    "amendments_pending": Message(
        N_("%(count)s amendment is pending"), plural=N_("%(count)s amendments are pending")
    ),
    "paragraph_bracketed": Message(N_("paragraph %(paragraph)s is bracketed")),
    "text_bracketed": Message(N_("the text holds brackets")),
    # a bracket that does not balance, by the word next to it (drafting.text.brackets)
    "bracket_open": Message(N_("bracket open after «%(word)s»")),
    "bracket_open_before": Message(N_("bracket open before «%(word)s»")),
    "bracket_unopened": Message(N_("closing bracket after «%(word)s» has no opening bracket")),
    "bracket_unopened_before": Message(
        N_("closing bracket before «%(word)s» has no opening bracket")
    ),
    "paragraph_bracket_open": Message(N_("paragraph %(paragraph)s: bracket open after «%(word)s»")),
    "paragraph_bracket_open_before": Message(
        N_("paragraph %(paragraph)s: bracket open before «%(word)s»")
    ),
    "paragraph_bracket_unopened": Message(
        N_("paragraph %(paragraph)s: closing bracket after «%(word)s» has no opening bracket")
    ),
    "paragraph_bracket_unopened_before": Message(
        N_("paragraph %(paragraph)s: closing bracket before «%(word)s» has no opening bracket")
    ),
    "paragraph_not_agreed": Message(N_("paragraph %(paragraph)s is not agreed yet")),
    "text_missing": Message(
        N_("%(language)s text of %(paragraph)s is missing"), {"language": LANGUAGE}
    ),
    "text_older": Message(
        N_("%(language)s text of %(paragraph)s is older than the %(others)s"),
        {
            "language": LANGUAGE,
            "others": Param(
                english=_label("language"), label=_label("language"), joiner=N_(" or ")
            ),
        },
    ),
    "silence_ended": Message(N_("the silence procedure ended unbroken at %(time)s")),
    "silence_runs": Message(N_("the silence procedure runs until %(time)s")),
    "no_silence": Message(N_("no silence procedure is under way")),
    # deadlines as typed
    "deadline_required": Message(
        N_("a deadline is required (ISO 8601 with offset, e.g. 2026-11-30T17:00:00-06:00)")
    ),
    "deadline_unreadable": Message(N_("deadline %(value)s is not an ISO 8601 date and time")),
    "deadline_no_offset": Message(N_("the deadline needs a time zone offset, e.g. -06:00")),
    "deadline_past": Message(N_("the deadline is in the past")),
    # logging in
    "login_wrong": Message(N_("wrong email or password")),
    "login_incomplete": Message(N_("email and password are required")),
    # amendments
    "base_elsewhere": Message(
        N_(
            "the wording was taken from paragraph %(written_for)s, not %(paragraph)s; "
            "choose the paragraph again"
        )
    ),
    "base_unknown": Message(
        N_("paragraph %(paragraph)s has no %(language)s version %(version)s"),
        {"language": LANGUAGE},
    ),
    "rationale_required": Message(N_("a rationale is required for every amendment")),
    "deletion_no_text": Message(N_("a deletion takes no text")),
    "position_insert_only": Message(N_("only a new paragraph has a position")),
}
CODES = frozenset(MESSAGES)


def _msgid(reason: Reason) -> str:
    message = MESSAGES[reason.code]
    if message.plural is not None and reason.values.get("count") != 1:
        return message.plural
    return message.text


def _format(reason: Reason, translate: Callable[[str], str] | None) -> str:
    message = MESSAGES[reason.code]
    values = {}
    for key, value in reason.params:
        param = message.params.get(key, Param())
        show = param.label if translate and param.label else param.english
        if param.joiner is None:
            values[key] = show(value)
            continue
        items = [show(item) for item in value]
        if not items and key == "states":
            items = [translate(N_("no state")) if translate else "no state"]
        values[key] = (translate(param.joiner) if translate else param.joiner).join(items)
    text = translate(_msgid(reason)) if translate else _msgid(reason)
    return text % values if values else text


def english(reason: Reason) -> str:
    """The English sentence (logs, the CLI, and whoever reads without a request)."""
    return _format(reason, None)


def _translator() -> Callable[[str], str] | None:
    from flask import has_request_context
    from flask_babel import get_locale, gettext

    locale = get_locale() if has_request_context() else None
    if locale is None or locale.language == "en":
        return None
    return gettext


def render(reason: Reason | str) -> str:
    """The sentence in the current request's language (plain strings pass as they are)."""
    if not isinstance(reason, Reason):
        return str(reason)
    return _format(reason, _translator())


def as_json(reasons: Iterable[Reason | str]) -> dict[str, list[Any]]:
    """`reasons` (sentences in the reader's language) and `reason_codes` for an answer."""
    listed = list(reasons)
    return {
        "reasons": [render(r) for r in listed],
        "reason_codes": [r.as_json() for r in listed if isinstance(r, Reason)],
    }
