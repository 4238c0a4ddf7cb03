"""The small engine: loads templates from this package and runs them with `transitions`.

A Run is the model the Machine drives. Conditions and effects named in the templates are
answered by two callables the caller supplies (checks, effects), so templates stay pure
data and this package never touches the database or Flask.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from transitions import Machine, MachineError

Checks = Callable[[str], list[str]]
Effects = Callable[..., None]


class Blocked(Exception):
    """A transition cannot happen now; `reasons` say why, in words a person can act on."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
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
    final_states: tuple[str, ...] = field(default=("adopted",))

    def transition(self, trigger: str) -> TransitionSpec | None:
        return next((t for t in self.transitions if t.trigger == trigger), None)

    def machine_config(self) -> list[dict[str, Any]]:
        return [
            {
                "trigger": t.trigger,
                "source": list(t.source),
                "dest": t.dest,
                "conditions": list(t.conditions),
                "before": [f"effect_{name}" for name in t.before],
                "after": [f"effect_{name}" for name in t.after],
            }
            for t in self.transitions
        ]

    def mermaid(self, current: str | None = None) -> str:
        """A Mermaid state diagram of the same definition the machine runs."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            for source in t.source:
                lines.append(f"    {source} --> {t.dest}: {t.trigger}")
        if current:
            lines.append(f"    class {current} current")
        return "\n".join(lines)


class Run:
    """The model a Machine drives for one document during one request."""

    def __init__(self, template: Template, state: str, checks: Checks, effects: Effects) -> None:
        self.template = template
        self.state = state
        self._checks = checks
        self._effects = effects
        self._conditions = {c for t in template.transitions for c in t.conditions}
        Machine(
            model=self,
            states=list(template.states),
            transitions=template.machine_config(),
            initial=state,
            auto_transitions=False,
            model_attribute="state",
            ignore_invalid_triggers=False,
        )

    def __getattr__(self, name: str) -> Any:
        # Conditions and effects named in the template resolve to the caller's callables.
        if name.startswith("effect_"):
            effect = name.removeprefix("effect_")
            return lambda *args, **kwargs: self._effects(effect, **kwargs)
        if name in self.__dict__.get("_conditions", ()):
            return lambda *args, **kwargs: not self._checks(name)
        raise AttributeError(name)

    def blockers(self, trigger: str) -> list[str]:
        """Why `trigger` cannot fire now (state first, then each condition)."""
        spec = self.template.transition(trigger)
        if spec is None:
            return [f"{trigger} is not a step of the {self.template.name} workflow"]
        if self.state not in spec.source:
            sources = " or ".join(s.replace("_", " ") for s in spec.source)
            return [
                f"{trigger} is only possible from {sources}, not {self.state.replace('_', ' ')}"
            ]
        reasons: list[str] = []
        for condition in spec.conditions:
            reasons.extend(self._checks(condition))
        return reasons

    def fire(self, trigger: str, **kwargs: Any) -> str:
        reasons = self.blockers(trigger)
        if reasons:
            raise Blocked(reasons)
        try:
            fired = getattr(self, trigger)(**kwargs)
        except MachineError as error:  # pragma: no cover - blockers() checks state first
            raise Blocked([str(error.value)]) from error
        if not fired:
            raise Blocked(self.blockers(trigger) or [f"{trigger} was refused"])
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
