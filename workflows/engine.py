"""The small engine: loads templates from this package and runs them with `transitions`.

A WorkflowRun is the model the Machine drives. Conditions and effects named in the templates
are answered by two callables the caller supplies (checks, effects), so templates stay pure
data and this package never touches the database or Flask. Refusals are Reasons
(drafting.reasons, which imports no Flask): codes with parameters, rendered by the app.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from transitions import Machine, MachineError

from drafting.reasons import Reason

Checks = Callable[[str], list[Reason]]
Effects = Callable[..., None]


class Blocked(Exception):
    """A transition cannot happen now; `reasons` say why, in words a person can act on."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    source: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    deadline: str | None = None  # "round" or "silence": the trigger needs a deadline
    reason_required: bool = False
    member_state_only: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TransitionSpec:
        source = data["source"]
        return cls(
            trigger=data["trigger"],
            source=tuple([source] if isinstance(source, str) else source),
            dest=data["dest"],
            roles=tuple(data.get("roles", ())),
            conditions=tuple(data.get("conditions", ())),
            before=tuple(data.get("before", ())),
            after=tuple(data.get("after", ())),
            deadline=data.get("deadline"),
            reason_required=bool(data.get("reason_required", False)),
            member_state_only=bool(data.get("member_state_only", False)),
        )


@dataclass(frozen=True)
class Template:
    name: str
    title: dict[str, str]
    states: tuple[str, ...]
    initial: str
    transitions: tuple[TransitionSpec, ...]
    editing_states: tuple[str, ...] = ()
    amending_states: tuple[str, ...] = ()
    deciding_states: tuple[str, ...] = ()  # amendments are accepted or rejected
    status_states: tuple[str, ...] = ()  # paragraph statuses are set
    final_states: tuple[str, ...] = field(default=("adopted",))

    def transition(self, trigger: str) -> TransitionSpec | None:
        return next((t for t in self.transitions if t.trigger == trigger), None)

    def states_for(self, kind: str) -> tuple[str, ...]:
        """The states listed for a kind of work: "editing", "amending", "deciding", "status"."""
        return {
            "editing": self.editing_states,
            "amending": self.amending_states,
            "deciding": self.deciding_states,
            "status": self.status_states,
        }[kind]

    def mermaid(self, current: str | None = None) -> str:
        """A Mermaid state diagram of the same definition the machine runs."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            for source in t.source:
                lines.append(f"    {source} --> {t.dest}: {t.trigger}")
        if current:
            lines.append(f"    class {current} current")
        return "\n".join(lines)


class WorkflowRun:
    """The model a Machine drives for one document during one request.

    Each attempt (blockers() or fire()) asks every condition once: the answers are kept for
    that attempt, and the Machine's condition callables read them instead of asking again.
    """

    def __init__(self, template: Template, state: str, checks: Checks, effects: Effects) -> None:
        self.template = template
        self.state = state
        self._checks = checks
        self._effects = effects
        self._answers: dict[str, list[Reason]] = {}
        Machine(
            model=self,
            states=list(template.states),
            transitions=[self._machine_transition(t) for t in template.transitions],
            initial=state,
            auto_transitions=False,
            model_attribute="state",
            ignore_invalid_triggers=False,
        )

    def _machine_transition(self, spec: TransitionSpec) -> dict[str, Any]:
        return {
            "trigger": spec.trigger,
            "source": list(spec.source),
            "dest": spec.dest,
            "conditions": [self._condition(name) for name in spec.conditions],
            "before": [self._effect(name) for name in spec.before],
            "after": [self._effect(name) for name in spec.after],
        }

    def _condition(self, name: str) -> Callable[..., bool]:
        def met(*args: Any, **kwargs: Any) -> bool:
            return not self._answer(name)

        met.__name__ = name
        return met

    def _effect(self, name: str) -> Callable[..., None]:
        def run(*args: Any, **kwargs: Any) -> None:
            self._effects(name, **kwargs)

        run.__name__ = f"effect_{name}"
        return run

    def _answer(self, condition: str) -> list[Reason]:
        if condition not in self._answers:
            self._answers[condition] = list(self._checks(condition))
        return self._answers[condition]

    def blockers(self, trigger: str) -> list[Reason]:
        """Why `trigger` cannot fire now (state first, then each condition), asked afresh."""
        self._answers = {}
        spec = self.template.transition(trigger)
        if spec is None:
            return [Reason.of("not_in_workflow", step=trigger, workflow=self.template.name)]
        if self.state not in spec.source:
            return [Reason.of("only_from", step=trigger, sources=spec.source, state=self.state)]
        reasons: list[Reason] = []
        for condition in spec.conditions:
            reasons.extend(self._answer(condition))
        return reasons

    def fire(self, trigger: str, **kwargs: Any) -> str:
        """Take the step if nothing blocks it; the Machine reuses this attempt's answers."""
        reasons = self.blockers(trigger)
        if reasons:
            raise Blocked(reasons)
        refused = [Reason.of("step_refused", step=trigger)]
        try:
            fired = getattr(self, trigger)(**kwargs)
        except MachineError as error:  # pragma: no cover - blockers() checks state first
            raise Blocked(refused) from error
        finally:
            self._answers = {}
        if not fired:  # pragma: no cover - the conditions were all met just above
            raise Blocked(refused)
        return self.state


def _from_module(module: Any) -> Template:
    return Template(
        name=module.NAME,
        title=getattr(module, "TITLE", {"en": module.NAME}),
        states=tuple(module.STATES),
        initial=module.INITIAL,
        transitions=tuple(TransitionSpec.from_data(t) for t in module.TRANSITIONS),
        editing_states=tuple(getattr(module, "EDITING_STATES", ())),
        amending_states=tuple(getattr(module, "AMENDING_STATES", ())),
        deciding_states=tuple(getattr(module, "DECIDING_STATES", ())),
        status_states=tuple(getattr(module, "STATUS_STATES", ())),
        final_states=tuple(getattr(module, "FINAL_STATES", ("adopted",))),
    )


@cache
def all_templates() -> dict[str, Template]:
    """Every template module in this package, by name."""
    import workflows

    found = {}
    for info in pkgutil.iter_modules(workflows.__path__):
        if info.name == "engine":
            continue
        module = importlib.import_module(f"workflows.{info.name}")
        if hasattr(module, "TRANSITIONS"):
            template_ = _from_module(module)
            found[template_.name] = template_
    return found


def template(name: str) -> Template:
    try:
        return all_templates()[name]
    except KeyError:
        raise KeyError(f"unknown workflow template {name!r}") from None
