"""Conversation transcripts: data files replayed through the engine.

    # a comment
    > bonjour            what the person sends (`> /photo` sends an image, `>(m1) 1`
                         sends "1" with provider message id m1, to send it twice)
    < Choisissez         text the replies to the last message must contain
    <! Préfecture        text they must not contain
    <0                   there must be no reply at all
    = consent given      a stored fact (see `facts()` for the keys)
    @ +6h                the clock moves on (m, h or d)
    ! seed-demo          the demo partners, services and slots are created (bot/demo.py)
    ! jobs               the worker's scheduler runs once; what it queued for the person
                         is checked like replies (`<`, `<!`, `<0`)

Replies are rendered as the channel under test shows them, joined by blank lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.booking.demo import seed_demo
from bot.channels.console import MEDIA_COMMANDS
from bot.channels.gsm7 import fold_to_gsm7
from bot.channels.layout import render_plain
from bot.engine.identity import find_identity
from bot.messaging import Outbound
from bot.scheduling.jobs import Jobs
from bot.settings import Settings
from bot.storage.models import (
    Answer,
    Booking,
    ConsentRefusal,
    Contact,
    Conversation,
    Flag,
    HelpEpisode,
    InboundMessage,
    OutboxMessage,
    ScheduledJob,
    Slot,
)

if TYPE_CHECKING:
    from bot.app import Orienta
    from tests.conftest import FakeClock

TRANSCRIPTS = Path(__file__).parent / "transcripts"

_SEND = re.compile(r"^>(?:\((?P<id>[^)]+)\))?(?: (?P<text>.*))?$")
_WAIT = re.compile(r"^@ \+(?P<n>\d+)(?P<unit>[mhd])$")


@dataclass
class Turn:
    line: int
    text: str
    provider_id: str | None = None
    media: tuple[str, ...] = ()
    contains: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    silent: bool = False
    facts: list[tuple[str, str]] = field(default_factory=list)
    wait_before: timedelta = timedelta()
    action: str | None = None
    """seed-demo | jobs: not a message from the person."""


def parse(path: Path) -> list[Turn]:
    turns: list[Turn] = []
    wait = timedelta()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if send := _SEND.match(line):
            text = send.group("text") or ""
            media = MEDIA_COMMANDS.get(text.strip().lower())
            turns.append(
                Turn(
                    number,
                    "" if media else text,
                    provider_id=send.group("id"),
                    media=(media,) if media else (),
                    wait_before=wait,
                )
            )
            wait = timedelta()
            continue
        if line in ("! seed-demo", "! jobs"):
            turns.append(Turn(number, "", action=line[2:], wait_before=wait))
            wait = timedelta()
            continue
        if wait_match := _WAIT.match(line):
            unit = {"m": "minutes", "h": "hours", "d": "days"}[wait_match.group("unit")]
            wait += timedelta(**{unit: int(wait_match.group("n"))})
            continue
        if not turns:
            raise ValueError(f"{path.name}:{number}: an expectation before any message")
        turn = turns[-1]
        if line == "<0":
            turn.silent = True
        elif line.startswith("<! "):
            turn.absent.append(line[3:])
        elif line.startswith("< "):
            turn.contains.append(line[2:])
        elif line.startswith("= "):
            key, _, value = line[2:].partition(" ")
            turn.facts.append((key, value.strip()))
        else:
            raise ValueError(f"{path.name}:{number}: cannot read {line!r}")
    return turns


def facts(session: Session, settings: Settings, channel: str, address: str) -> dict[str, str]:
    """What the database holds about the person at (channel, address), as plain strings."""
    refusals = session.scalar(select(func.count()).select_from(ConsentRefusal))
    inbound = session.scalar(select(func.count()).select_from(InboundMessage))
    result = {"refusals": str(refusals), "inbound": str(inbound)}
    identity = find_identity(session, settings.identity_key, channel, address)
    contacts = session.scalar(select(func.count()).select_from(Contact))
    result["contacts"] = str(contacts)
    if identity is None:
        result["contact"] = "none"
        return result
    contact = session.get(Contact, identity.contact_id)
    assert contact is not None
    result["contact"] = "exists"
    result["consent"] = contact.consent
    result["language"] = contact.language or "none"
    result["opted_out"] = "yes" if contact.opted_out_at else "no"
    conversation = session.scalars(
        select(Conversation).where(Conversation.contact_id == contact.id)
    ).one_or_none()
    result["step"] = (conversation.step if conversation else None) or "none"
    result["completed"] = "yes" if conversation and conversation.completed_at else "no"
    answers = session.scalars(select(Answer).where(Answer.contact_id == contact.id)).all()
    result["answers"] = str(len(answers))
    for answer in answers:
        value = answer.value
        result[f"answer.{answer.field}"] = value if isinstance(value, str) else json.dumps(value)
    flags = session.scalars(
        select(Flag.kind).where(Flag.contact_id == contact.id).order_by(Flag.id)
    ).all()
    result["flags"] = ",".join(flags) or "none"
    episodes = session.scalars(
        select(HelpEpisode).where(HelpEpisode.contact_id == contact.id).order_by(HelpEpisode.id)
    ).all()
    result["episodes"] = str(len(episodes))
    if episodes:
        last = episodes[-1]
        result["help"] = f"{last.kind}:{last.category or '-'}:{last.state}"
        result["help_choice"] = last.choice or "none"
        result["safe_contact"] = last.safe_contact or "none"
    else:
        result["help"] = "none"
    result["shielded"] = "yes" if contact.shielded_at else "no"
    bookings = session.scalars(
        select(Booking).where(Booking.contact_id == contact.id).order_by(Booking.id)
    ).all()
    result["bookings"] = str(len(bookings))
    result["booking"] = bookings[-1].status if bookings else "none"
    if bookings and bookings[-1].slot_id is not None:
        slot = session.get(Slot, bookings[-1].slot_id)
        assert slot is not None
        result["booking_slot"] = slot.starts_at.strftime("%Y-%m-%d %H:%M")
        result["slot_places_taken"] = str(slot.booked)
    pending = session.scalars(
        select(ScheduledJob.kind)
        .where(ScheduledJob.contact_id == contact.id, ScheduledJob.status == "pending")
        .order_by(ScheduledJob.due_at, ScheduledJob.id)
    ).all()
    result["jobs"] = ",".join(pending) or "none"
    result["referred_by"] = str(contact.referred_by_partner_id or "none")
    return result


def replay(
    path: Path,
    send: Callable[[Turn], list[str]],
    orienta: Orienta,
    clock: FakeClock,
    channel: str,
    address: str,
) -> str:
    """Play the transcript at `path` through `send` (one turn in, the replies as the person
    sees them out), checking every expectation; returns the whole conversation as text."""
    conversation: list[str] = []
    for turn in parse(path):
        clock.advance(turn.wait_before)
        if turn.action == "seed-demo":
            with orienta.sessions.begin() as session:
                seed_demo(session, clock(), orienta.settings.tz)
            continue
        replies = run_jobs(orienta, channel, address) if turn.action else send(turn)
        shown = "\n\n".join(replies) if replies else "(no reply)"
        said = f"! {turn.action}" if turn.action else f"> {turn.text or ' '.join(turn.media)}"
        conversation.append(f"{said}\n{shown}\n")
        where = f"{path.name}:{turn.line} ({channel}) after {turn.text!r}, the bot said:\n{shown}"
        if turn.silent:
            assert not replies, where
        elif not turn.action:
            assert replies, f"{where}\n(the bot must always answer)"
        # SMS is folded to GSM-7 where that keeps the meaning ("Vous êtes" → "Vous etes").
        fold = fold_to_gsm7 if channel == "sms" else str
        for expected in turn.contains:
            assert fold(expected) in shown, f"{where}\n--- expected to contain: {expected!r}"
        for unexpected in turn.absent:
            assert fold(unexpected) not in shown, (
                f"{where}\n--- expected NOT to contain: {unexpected!r}"
            )
        if turn.facts:
            with orienta.sessions() as session:
                stored = facts(session, orienta.settings, channel, address)
            for key, value in turn.facts:
                assert stored.get(key) == value, (
                    f"{path.name}:{turn.line} ({channel}): {key} is {stored.get(key)!r}, "
                    f"expected {value!r}; stored facts: {stored}"
                )
    return "\n".join(conversation)


def run_jobs(orienta: Orienta, channel: str, address: str) -> list[str]:
    """Run the scheduler once; what it queued for the person at (channel, address), as
    they would read it."""
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, orienta.engine.clock)
    with orienta.sessions() as session:
        before = session.scalar(select(func.max(OutboxMessage.id))) or 0
    jobs.run_due()
    with orienta.sessions() as session:
        identity = find_identity(session, orienta.settings.identity_key, channel, address)
        if identity is None:
            return []
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id > before, OutboxMessage.identity_id == identity.id)
            .order_by(OutboxMessage.id)
        ).all()
        return [
            render_plain(Outbound.from_payload(identity.channel, address, r.payload), channel)  # type: ignore[arg-type]
            for r in rows
        ]
