"""Workflow templates as data, run by the `transitions` library (see engine.py).

Each template is a module here defining NAME, STATES, INITIAL and TRANSITIONS; adding a
module adds a template, with no change to the engine.
"""

from workflows.engine import (
    Blocked,
    Template,
    TransitionSpec,
    WorkflowRun,
    all_templates,
    template,
)

__all__ = [
    "Blocked",
    "Template",
    "TransitionSpec",
    "WorkflowRun",
    "all_templates",
    "template",
]
