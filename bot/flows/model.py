"""What a flow is made of: steps, options, and the events a turn produces.

A flow is data. The runner (`bot.flows.runner`) executes any flow; a flow never talks to a
channel or the database, and the engine applies the events the runner returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from bot.errors import FlowDefinitionError
from bot.i18n.translate import Msg
from bot.types import Answers, AnswerValue

if TYPE_CHECKING:
    from bot.flows.understand import Reader

__all__ = [
    "BOOKING_EVENTS",
    "Ask",
    "Event",
    "Flow",
    "FlowState",
    "Option",
    "Say",
    "Step",
    "StepKind",
    "Turn",
    "Verbatim",
]

StepKind = Literal["choice", "multi", "summary", "end"]
BookingEventName = Literal[
    "service_chosen",
    "slot_chosen",
    "referral_requested",
    "booking_kept",
    "booking_change",
    "booking_cancel",
    "booking_attended",
    "booking_missed",
]
"""Events the engine hands to the booking desk (bot/desk.py)."""
BOOKING_EVENTS: frozenset[str] = frozenset(get_args(BookingEventName))
EventName = Literal[
    "answer_saved",
    "answer_cleared",
    "language_chosen",
    "consent_given",
    "consent_refused",
    "urgent_help_requested",
    "help_contact",
    "help_later",
    "help_now",
    "help_safe",
    "orientation_completed",
    "erase_confirmed",
    "erase_cancelled",
    "input_rejected",
    BookingEventName,
]


@dataclass(frozen=True)
class Option:
    key: str
    label: Msg | str
    """A message, or text already in the person's language (summary lines)."""
    synonyms: tuple[str, ...] = ()
    """Extra words accepted for this option in any language, e.g. "ok" or "oui"."""
    exclusive: bool = False
    """In a multi-choice step, dropped when chosen together with other options."""
    event: EventName | None = None
    """Event raised when chosen (e.g. urgent help), instead of being part of the answer."""
    goto: str | None = None
    """Step to go to when chosen, instead of the flow's next step."""


OptionsFn = Callable[[Answers], tuple[Option, ...]]
Predicate = Callable[[Answers], bool]


@dataclass(frozen=True)
class Step:
    id: str
    prompt: Msg
    kind: StepKind = "choice"
    options: tuple[Option, ...] | OptionsFn = ()
    store: str | None = None
    """Answer field this step writes; None for steps whose choice is only an event."""
    when: Predicate | None = None
    """The step is asked only when this is true of the answers so far."""
    summary: Msg | None = None
    """Label of this answer in the summary, where the person can correct it."""
    followups: tuple[str, ...] = ()
    """Steps asked again after this one is corrected (a prefecture after its region)."""
    hint: Msg | None = None
    """Shown under the options (e.g. how to choose several)."""
    read: Reader | None = None
    """Reads an answer by its meaning, beyond the options' words (an age in years, how
    long ago, a town): bot/flows/understand.py."""
    source: str | None = None
    """Options that come from the database (services, slots): the engine provides them,
    by this name, instead of `options`."""

    def options_for(self, answers: Answers) -> tuple[Option, ...]:
        return self.options(answers) if callable(self.options) else self.options

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


@dataclass(frozen=True)
class Flow:
    id: str
    """Stored with each conversation: never rename a flow in use."""
    steps: tuple[Step, ...]
    """The steps in the order they are asked."""
    detached: tuple[Step, ...] = ()
    """Steps reached only by a jump (a goto, a keyword)."""
    replaced: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Step ids of earlier releases → the step that replaces each: a person stored at
    one goes on at its replacement. A step removed without a replacement sends its
    people to the nearest safe step (`bot.flows.runner.repair`)."""

    def __post_init__(self) -> None:
        ids = [s.id for s in (*self.steps, *self.detached)]
        if len(ids) != len(set(ids)):
            raise FlowDefinitionError(f"Flow {self.id!r} has two steps with the same id.")
        known = set(ids)
        for s in (*self.steps, *self.detached):
            missing = {f for f in s.followups if f not in known}
            if not callable(s.options):
                missing |= {o.goto for o in s.options if o.goto and o.goto not in known}
            if missing:
                raise FlowDefinitionError(
                    f"Step {s.id!r} of flow {self.id!r} refers to unknown steps {sorted(missing)}."
                )
        for old, new in self.replaced.items():
            if old in known:
                raise FlowDefinitionError(
                    f"Flow {self.id!r} says step {old!r} was replaced, but still has it."
                )
            if new not in known:
                raise FlowDefinitionError(
                    f"Flow {self.id!r} replaces step {old!r} by {new!r}, which it does not have."
                )

    def has(self, step_id: str) -> bool:
        return any(s.id == step_id for s in (*self.steps, *self.detached))

    def step(self, step_id: str) -> Step:
        for s in (*self.steps, *self.detached):
            if s.id == step_id:
                return s
        raise FlowDefinitionError(f"Flow {self.id!r} has no step {step_id!r}.")

    def resolve(self, step_id: str) -> str | None:
        """`step_id`, or the step that replaced it; None when it is gone."""
        return step_id if self.has(step_id) else self.replaced.get(step_id)

    def following(self, step_id: str) -> tuple[Step, ...]:
        """The linear steps after `step_id` (none after a detached step)."""
        ids = [s.id for s in self.steps]
        return self.steps[ids.index(step_id) + 1 :] if step_id in ids else ()


@dataclass
class FlowState:
    step: str | None
    answers: Answers = field(default_factory=dict)
    retries: int = 0
    queue: list[str] = field(default_factory=list)
    """Steps to visit next before resuming the linear order (corrections, language change)."""
    context: dict[str, Any] = field(default_factory=dict)
    """Ids the booking steps are about (services proposed, slots shown, the booking)."""


@dataclass(frozen=True)
class Event:
    name: EventName
    field: str | None = None
    value: AnswerValue | None = None


@dataclass(frozen=True)
class Verbatim:
    """Text already in the person's language, sent as written: a staff member's reply.
    Never translated, never formatted (its braces are its own), never recorded."""

    text: str


@dataclass(frozen=True)
class Say:
    """A sentence to send. `alone`: in its own message, not merged with the next question."""

    msg: Msg | Verbatim
    params: tuple[tuple[str, str], ...] = ()
    alone: bool = False
    ask_phone: bool = False
    """Offer the channel's "share my phone number" button with it, where there is one."""


@dataclass(frozen=True)
class Ask:
    """Send the prompt of a step, with its options."""

    step: str
    prompt: Msg | None = None
    """Said instead of the step's own prompt (LANGUE mid-flow: no welcome again)."""


@dataclass
class Turn:
    state: FlowState
    events: list[Event] = field(default_factory=list)
    replies: list[Say | Ask] = field(default_factory=list)
