"""Flows by name: each conversation names its flow, and finds it here.

The orientation is registered by bot/flows/__init__.py and is the default: a new
conversation starts in it, MENU goes back to it, and a conversation naming a flow that
no longer exists goes on in it (at its nearest safe step, bot/flows/runner.py). Another
flow (a survey, a follow-up questionnaire) is one `register(Flow(...))`; it must have the
steps the engine sends people to by keyword (bot/flows/common.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.errors import FlowDefinitionError
from bot.flows.common import COMMON_STEP_IDS
from bot.flows.model import Flow

__all__ = ["DEFAULT_FLOW", "find_flow", "flows", "register", "registered"]

DEFAULT_FLOW = "orientation"

_FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    """Add `flow`, or replace the flow of the same id (a new release of it)."""
    missing = [step for step in COMMON_STEP_IDS if not flow.has(step)]
    if missing:
        raise FlowDefinitionError(
            f"Flow {flow.id!r} lacks the steps every flow needs: {', '.join(missing)} "
            "(see bot/flows/common.py)."
        )
    _FLOWS[flow.id] = flow
    return flow


@contextmanager
def registered(flow: Flow) -> Iterator[Flow]:
    """`flow` registered for the duration of a block, then what was there before."""
    previous = _FLOWS.get(flow.id)
    register(flow)
    try:
        yield flow
    finally:
        if previous is None:
            del _FLOWS[flow.id]
        else:
            _FLOWS[flow.id] = previous


def find_flow(name: str | None) -> Flow:
    """The flow called `name`; the default flow when there is none by that name."""
    return _FLOWS.get(name or DEFAULT_FLOW) or _FLOWS[DEFAULT_FLOW]


def flows() -> tuple[Flow, ...]:
    return tuple(_FLOWS.values())
