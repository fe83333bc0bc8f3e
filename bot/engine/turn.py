"""One message's turn: what it does to one person before it is written, and the
conversation state it is read from and written back to.

A conversation names its flow (bot/flows/registry.py). Read back, its state is repaired
against that flow as it is now: a step a release renamed goes on at its replacement, a
step removed at the nearest safe step (the turn is then `stranded`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine.keywords import Keyword
from bot.flows.model import Ask, Flow, FlowState, Say
from bot.flows.registry import find_flow
from bot.flows.runner import repair
from bot.messaging import Inbound
from bot.storage.models import Answer, ChannelIdentity, Contact, Conversation
from bot.types import Answers

__all__ = ["Turn", "been_away", "find_conversation", "load_state", "save_state"]

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """What one message does to one person, before it is written."""

    session: Session
    inbound: Inbound
    now: datetime
    contact: Contact
    identity: ChannelIdentity
    conversation: Conversation | None
    flow: Flow
    state: FlowState | None = None
    keyword: Keyword | None = None
    """The global keyword the message is, if it is one."""
    replies: list[Say | Ask] = field(default_factory=list)
    erased: bool = False
    stranded: bool = False
    """The person's step no longer exists: they were moved to a safe step."""
    away: bool = False
    """Silent for hours, and not answering something Orienta sent meanwhile."""

    @property
    def silenced(self) -> bool:
        return self.contact.opted_out_at is not None

    @property
    def lang(self) -> str:
        return self.contact.language or "fr"


def been_away(
    contact: Contact, conversation: Conversation | None, now: datetime, hours: float
) -> bool:
    """Silent for more than `hours`, and not answering something Orienta sent meanwhile
    (a reminder, a follow-up question: those move the conversation on)."""
    seen = [contact.last_inbound_at, conversation.updated_at if conversation else None]
    last_seen = max((t for t in seen if t is not None), default=None)
    return last_seen is not None and now - last_seen > timedelta(hours=hours)


def find_conversation(session: Session, contact: Contact) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).one_or_none()


def load_state(
    session: Session,
    conversation: Conversation | None,
    contact: Contact,
    answers: Answers | None = None,
) -> tuple[Flow, FlowState | None, bool]:
    """The conversation's flow and state (repaired against the flow as it is now), and
    whether the person had to be moved to a safe step; `answers` when they were read
    already (bot/engine/identity.find_person), read here otherwise."""
    flow = find_flow(conversation.flow if conversation else None)
    if conversation is None:
        return flow, None, False
    if answers is None:
        found = session.execute(
            select(Answer.field, Answer.value).where(Answer.contact_id == conversation.contact_id)
        )
        answers = {field: value for field, value in found}
    else:
        answers = dict(answers)
    state = FlowState(
        step=conversation.step,
        answers=answers,
        retries=conversation.retries,
        queue=list(conversation.queue or []),
        context=dict(conversation.context or {}),
    )
    was = state.step
    stranded = repair(
        flow,
        state,
        consented=contact.consent == "given",
        language_chosen=contact.language is not None,
    )
    if stranded or (was is not None and conversation.flow != flow.id):
        log.warning(
            "conversation moved: its step is gone from this release",
            extra={"flow": conversation.flow, "step": was, "now_at": state.step},
        )
    return flow, state, stranded


def save_state(
    session: Session,
    conversation: Conversation | None,
    contact: Contact,
    flow: Flow,
    state: FlowState,
    now: datetime,
) -> Conversation:
    """Write `state` to the person's conversation (created on their first message)."""
    if conversation is None:
        conversation = Conversation(contact_id=contact.id, started_at=now)
        session.add(conversation)
    conversation.flow = flow.id
    conversation.step = state.step
    conversation.retries = state.retries
    conversation.queue = list(state.queue)
    conversation.context = dict(state.context)
    conversation.updated_at = now
    return conversation
