"""Queueing one message per person of an audience (bot.outbox.audience), on SQLite and PostgreSQL:
who gets a row and who does not, on which channel and in which language, that running
it twice adds nothing, and that the real dispatcher sends each row once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Orienta
from bot.channels.registry import Pacing
from bot.engine.identity import create_identity
from bot.messaging import Outbound
from bot.outbox.dispatcher import BATCH_SIZE, Dispatcher
from bot.outbox.writer import OutboxWriter, audience_key
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox.test_dispatcher import sender

FR = Outbound("sms", "", "Rappel : la formation commence lundi.", important=True).payload()
EN = Outbound("sms", "", "Reminder: the training starts on Monday.", language="en").payload()
PAYLOADS = {"fr": FR, "en": EN}


def person(
    orienta: Orienta,
    n: int,
    *,
    language: str | None = "fr",
    consent: str = "given",
    channel: str = "sms",
) -> int:
    """A person with one identity on `channel` (phone +224 000 000 nnn); their contact id."""
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        address = f"+224000000{n:03d}" if channel != "telegram" else str(700000000 + n)
        identity = create_identity(session, orienta.settings.identity_key, channel, address, now)
        identity.contact.language = language
        identity.contact.consent = consent
        return identity.contact_id


def enqueue(orienta: Orienta, prefix: str = "broadcast:1", **options: Any) -> int:
    with orienta.sessions.begin() as session:
        now = orienta.engine.clock()
        audience = options.pop("audience", None)
        return OutboxWriter().to_audience(session, audience, PAYLOADS, prefix, now, now, **options)


def rows(orienta: Orienta) -> dict[str, OutboxMessage]:
    with orienta.sessions() as session:
        return {r.idempotency_key: r for r in session.scalars(select(OutboxMessage))}


def test_each_person_gets_exactly_one_row_in_their_language(orienta: Orienta) -> None:
    french = [person(orienta, n) for n in range(3)]
    english = person(orienta, 3, language="en")
    unknown = person(orienta, 4, language=None)  # never chose: French, the source
    other = person(orienta, 5, language="sus")  # no Susu text given: French too
    assert enqueue(orienta) == 6
    found = rows(orienta)
    assert set(found) == {
        audience_key("broadcast:1", c) for c in [*french, english, unknown, other]
    }
    for key, row in found.items():
        expected = EN if key == audience_key("broadcast:1", english) else FR
        assert row.payload == expected
        assert row.status == "queued" and row.channel == "sms" and row.attempts == 0
        assert row.due_at == orienta.engine.clock() and row.inbound_id is None
    with orienta.sessions() as session:
        for row in found.values():
            identity = session.get(ChannelIdentity, row.identity_id)
            assert identity is not None and identity.contact_id == row.contact_id


def test_opted_out_unreachable_erased_and_unconsenting_people_get_nothing(
    orienta: Orienta,
) -> None:
    reachable = person(orienta, 1)
    stopped = person(orienta, 2)
    unreachable = person(orienta, 3)
    erased = person(orienta, 4)
    pending = person(orienta, 5, consent="pending")
    refused = person(orienta, 6, consent="refused")
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        session.get_one(Contact, stopped).opted_out_at = now
        session.scalars(
            select(ChannelIdentity).where(ChannelIdentity.contact_id == unreachable)
        ).one().unreachable_at = now
        session.delete(session.get_one(Contact, erased))
    assert enqueue(orienta) == 1
    assert set(rows(orienta)) == {audience_key("broadcast:1", reachable)}
    assert pending and refused  # in the table, not in the audience


def test_the_test_people_of_the_simulator_get_no_broadcast(orienta: Orienta) -> None:
    real = person(orienta, 1)
    tester = person(orienta, 2)
    with orienta.sessions.begin() as session:
        session.get_one(Contact, tester).test = True
    assert enqueue(orienta) == 1
    assert set(rows(orienta)) == {audience_key("broadcast:1", real)}
    chosen = select(Contact.id).where(Contact.id == tester)  # even when named in it
    assert enqueue(orienta, prefix="broadcast:2", audience=chosen) == 0


def test_running_it_again_adds_nothing(orienta: Orienta) -> None:
    for n in range(5):
        person(orienta, n)
    assert enqueue(orienta) == 5
    assert enqueue(orienta) == 0
    late = person(orienta, 9)  # wrote in between: the re-run catches them up, only them
    assert enqueue(orienta) == 1
    assert audience_key("broadcast:1", late) in rows(orienta)
    assert enqueue(orienta, prefix="broadcast:2") == 6  # another message: everyone again
    assert len(rows(orienta)) == 12


def test_an_audience_narrows_it_down(orienta: Orienta) -> None:
    people = [person(orienta, n) for n in range(6)]
    chosen = select(Contact.id).where(Contact.id.in_(people[::2]))
    assert enqueue(orienta, audience=chosen) == 3
    assert set(rows(orienta)) == {audience_key("broadcast:1", c) for c in people[::2]}


def test_the_channel_the_person_last_wrote_from_and_reachable(orienta: Orienta) -> None:
    contact = person(orienta, 1, channel="sms")
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        sms = session.scalars(select(ChannelIdentity)).one()
        whatsapp = create_identity(
            session, orienta.settings.identity_key, "whatsapp", "+224000000001", now
        )
        assert whatsapp.contact_id == contact  # the same phone: the same person
        sms.last_inbound_at = now - timedelta(days=3)
        whatsapp.last_inbound_at = now - timedelta(hours=1)
    assert enqueue(orienta, prefix="a") == 1
    assert [r.channel for r in rows(orienta).values()] == ["whatsapp"]
    with orienta.sessions.begin() as session:
        session.get_one(ChannelIdentity, whatsapp.id).unreachable_at = now
    assert enqueue(orienta, prefix="b") == 1
    assert rows(orienta)[audience_key("b", contact)].channel == "sms"
    assert enqueue(orienta, prefix="c", channels=("telegram",)) == 0


def test_a_payload_for_the_fallback_language_is_required(orienta: Orienta) -> None:
    with orienta.sessions.begin() as session, pytest.raises(ValueError, match="fallback"):
        now = orienta.engine.clock()
        OutboxWriter().to_audience(session, None, {"en": EN}, "x", now, now)


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with serve(twilio.app()) as url:
        yield twilio, url


def test_the_dispatcher_sends_every_row_once(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    people = 2 * BATCH_SIZE + 17  # several batches, a partial one last
    now = clock()
    with orienta.sessions.begin() as session:
        for n in range(people):
            identity = create_identity(
                session, orienta.settings.identity_key, "sms", f"+224000{n:06d}", now
            )
            identity.contact.consent = "given"
            identity.contact.language = "en" if n % 3 == 0 else "fr"
        stopped = session.scalars(select(Contact).order_by(Contact.id)).first()
        assert stopped is not None
        stopped.opted_out_at = now
    assert enqueue(orienta) == people - 1

    async def go() -> None:
        twilio_sender = sender(url)
        dispatcher = Dispatcher(orienta.sessions, {"sms": twilio_sender}, clock=clock)
        while await dispatcher.dispatch_once():
            pass
        await twilio_sender.aclose()

    asyncio.run(go())
    per_key = twilio.per_key()
    assert len(per_key) == people - 1 and max(per_key.values()) == 1
    assert set(per_key) == set(rows(orienta))
    bodies = {a.body for a in twilio.accepted}
    assert bodies == {FR["text"], EN["text"]}
    with orienta.sessions() as session:
        statuses = {
            status: count
            for status, count in session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
        }
        assert statuses == {"sent": people - 1}
        sids = set(session.scalars(select(OutboxMessage.provider_message_id)))
        assert sids == {a.sid for a in twilio.accepted}  # each row knows its message


def test_a_row_held_back_by_pacing_too_long_is_given_back_not_sent_late(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    """A claimed row must be sent well before `stale_after`, or a reconciler could take it
    for a crashed dispatcher's and have it sent twice: past half of it, it is queued
    again (the attempt not counted) instead of sent."""
    twilio, url = fake
    contact = person(orienta, 1)
    now = clock()
    with orienta.sessions.begin() as session:
        identity = session.scalars(select(ChannelIdentity)).one()
        for n in range(3):  # three messages to one person, one a second at most
            session.add(
                OutboxMessage(
                    idempotency_key=f"paced:{n}",
                    contact_id=contact,
                    identity_id=identity.id,
                    channel="sms",
                    payload=Outbound("sms", "", f"Message {n}").payload(),
                    status="queued",
                    due_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )

    async def go() -> None:
        twilio_sender = sender(url)
        dispatcher = Dispatcher(
            orienta.sessions,
            {"sms": twilio_sender},
            clock=clock,
            pacing={"sms": Pacing(per_chat_seconds=0.6)},
            stale_after=timedelta(seconds=1),
        )
        await dispatcher.dispatch_once()
        await twilio_sender.aclose()

    asyncio.run(go())
    assert [a.key for a in twilio.accepted] == ["paced:0"]
    found = rows(orienta)
    assert found["paced:0"].status == "sent" and found["paced:0"].attempts == 1
    for key in ("paced:1", "paced:2"):
        assert found[key].status == "queued" and found[key].attempts == 0
