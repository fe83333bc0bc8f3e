"""Pacing, on an injected clock (nothing here waits for real): a channel's rate, the gap
between two messages to one chat, and one pacer per channel for everything a process
sends on it (the dispatcher's rows and a webhook's immediate replies)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import Orienta
from bot.channels.registry import Pacing
from bot.flows.model import Say, Verbatim
from bot.messaging import Inbound
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.pacing import MAX_TRACKED_CHATS, Pacer
from bot.storage.models import Contact
from tests.fakes.memory import FakeTime, MemorySender

CHAT = "700000901"  # fictitious Telegram chat


def test_a_rate_spreads_messages_evenly() -> None:
    time = FakeTime()
    pacer = Pacer(Pacing(per_second=10), monotonic=time.monotonic, sleep=time.sleep)

    async def five() -> None:
        for _ in range(5):
            await pacer.wait()

    start = time.now
    asyncio.run(five())
    assert round(time.now - start, 6) == 0.4  # the first at once, then one every 0.1 s
    assert [round(s, 6) for s in time.slept] == [0.1] * 4


def test_one_chat_waits_between_its_messages_and_others_do_not() -> None:
    time = FakeTime()
    pacer = Pacer(Pacing(per_chat_seconds=1.0), monotonic=time.monotonic, sleep=time.sleep)

    async def go() -> None:
        await pacer.wait("a")
        await pacer.wait("b")
        assert time.slept == []
        await pacer.wait("a")

    asyncio.run(go())
    assert time.slept == [1.0]


def test_the_chats_remembered_do_not_grow_without_bound() -> None:
    time = FakeTime()
    pacer = Pacer(Pacing(per_chat_seconds=1.0), monotonic=time.monotonic, sleep=time.sleep)

    async def many() -> None:
        for n in range(MAX_TRACKED_CHATS + 10):
            await pacer.wait(f"chat-{n}")
            time.now += 0.01

    asyncio.run(many())
    assert len(pacer._last_to) <= MAX_TRACKED_CHATS + 1


def test_replies_and_queued_messages_to_one_chat_share_its_pacing(orienta: Orienta) -> None:
    """The webhook's replies and the dispatcher's rows go through one dispatcher per
    process (bot/app.py, `Orienta.dispatcher`): one sender, one pacer per channel."""
    for text in ("bonjour", "1", "1"):
        orienta.engine.handle(Inbound("telegram", CHAT, text))
    with orienta.sessions.begin() as session:
        contact = session.scalars(select(Contact)).one()
        words = [Say(Verbatim("Votre rendez-vous est confirmé."))]
        assert orienta.engine.push(session, contact, words, "staff:1", orienta.engine.clock())
    replies = orienta.engine.handle(Inbound("telegram", CHAT, "AIDE"), send_now=True)
    time = FakeTime()
    telegram = MemorySender("telegram")
    dispatcher = Dispatcher(
        orienta.sessions,
        {"telegram": telegram},
        clock=orienta.engine.clock,
        pacing={"telegram": Pacing(per_second=30, per_chat_seconds=1.0)},
        monotonic=time.monotonic,
        sleep=time.sleep,
    )

    async def webhook_then_loop() -> None:
        await dispatcher.send_replies(replies)
        await dispatcher.dispatch_once()

    asyncio.run(webhook_then_loop())
    assert [s.key.split(":")[0] for s in telegram.sent] == ["reply", "staff"]
    assert round(sum(time.slept), 6) == 1.0  # the queued message waited its turn after the reply
