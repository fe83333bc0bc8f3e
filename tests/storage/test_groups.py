"""Group commit (bot/storage/groups.py): turns that arrive together are written in one
transaction, nobody is answered before it commits, one failing turn fails nobody else,
and one person's messages keep their order. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Connection, create_engine, event, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bot.app import Orienta
from bot.commands.sms_cost import orientation_path
from bot.messaging import Inbound
from bot.storage.groups import GroupCommit
from bot.storage.models import Answer, Contact, Conversation, InboundMessage
from tests.conftest import FakeClock


@pytest.fixture
def commits(orienta: Orienta) -> Iterator[list[int]]:
    seen: list[int] = []

    def count(_connection: object) -> None:
        seen.append(1)

    event.listen(orienta.database, "commit", count)
    yield seen
    event.remove(orienta.database, "commit", count)


def sms(person: int, text: str, turn: int) -> Inbound:
    return Inbound("sms", f"+224000{person:06d}", text, provider_id=f"SMgroup{person}-{turn}")


async def receive_all(orienta: Orienta, inbounds: list[Inbound]) -> list[object]:
    group = orienta.group
    return await asyncio.gather(
        *(group.run(orienta.engine.turn(i), key=i.address) for i in inbounds),
        return_exceptions=True,
    )


def count(orienta: Orienta, statement: object) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]


def test_turns_arriving_together_share_one_commit_and_each_gets_its_replies(
    orienta: Orienta, commits: list[int]
) -> None:
    people = 12
    results = asyncio.run(receive_all(orienta, [sms(p, "bonjour", 0) for p in range(people)]))
    assert all(isinstance(r, list) and r for r in results), results  # each its own welcome
    assert count(orienta, select(func.count()).select_from(InboundMessage)) == people
    # A lone request is not kept waiting: the first goes alone (on PostgreSQL, the first
    # two), the others together.
    assert len(commits) < people / 2
    assert orienta.group.batches == len(commits)


def test_one_failing_turn_is_rolled_back_alone(orienta: Orienta) -> None:
    def broken(session: Session) -> None:
        now = orienta.engine.clock()
        session.add(InboundMessage(channel="sms", provider_id="SMbroken", received_at=now))
        session.flush()
        raise RuntimeError("a bug in one turn")

    async def scenario() -> list[object]:
        group = orienta.group
        turns = [group.run(orienta.engine.turn(sms(p, "bonjour", 0))) for p in range(3)]
        return await asyncio.gather(*turns[:2], group.run(broken), turns[2], return_exceptions=True)

    first, second, failed, third = asyncio.run(scenario())
    assert isinstance(failed, RuntimeError)
    assert all(isinstance(r, list) and r for r in (first, second, third))
    providers = select(InboundMessage.provider_id)
    with orienta.sessions() as session:
        stored = set(session.scalars(providers))
    assert stored == {"SMgroup0-0", "SMgroup1-0", "SMgroup2-0"}  # not the broken one's row


def test_the_same_message_twice_in_one_batch_is_stored_once_and_answered_alike(
    orienta: Orienta,
) -> None:
    async def scenario() -> list[object]:
        group = orienta.group
        # A first message keeps the thread busy, so that both copies wait together.
        first = group.run(orienta.engine.turn(sms(9, "bonjour", 0)))
        copies = [group.run(orienta.engine.turn(sms(1, "bonjour", 0))) for _ in range(2)]
        return await asyncio.gather(first, *copies, return_exceptions=True)

    _, once, again = asyncio.run(scenario())
    assert isinstance(once, list) and isinstance(again, list)
    assert [o.text for o in once] == [o.text for o in again]
    assert [o.key for o in once] == [o.key for o in again]  # the same rows, replayed
    assert count(orienta, select(func.count()).select_from(InboundMessage)) == 2


def test_one_persons_messages_given_together_are_answered_in_their_order(
    orienta: Orienta,
) -> None:
    path = orientation_path("fr")[:6]
    one_by_one = [orienta.engine.handle(sms(1, said, t)) for t, said in enumerate(path)]

    async def together() -> list[object]:
        group = orienta.group
        # Two people, their messages interleaved, all given at once.
        runs = []
        for t, said in enumerate(path):
            for person in (2, 3):
                inbound = sms(person, said, t)
                runs.append(group.run(orienta.engine.turn(inbound), key=inbound.address))
        return await asyncio.gather(*runs)

    answered = asyncio.run(together())
    for person_index in (0, 1):
        replies = answered[person_index::2]
        texts = [[o.text for o in r] for r in replies]  # type: ignore[attr-defined]
        assert texts == [[o.text for o in r] for r in one_by_one]
    with orienta.sessions() as session:
        steps = session.scalars(select(Conversation.step).order_by(Conversation.contact_id))
        assert len(set(steps)) == 1  # all three at the same question
        assert session.scalar(select(func.count()).select_from(Answer)) > 0


def test_a_failed_commit_answers_nobody_and_stores_nothing(orienta: Orienta) -> None:
    def refuse(_connection: object) -> None:
        raise RuntimeError("the disk is full")

    event.listen(orienta.database, "commit", refuse)
    try:
        results = asyncio.run(receive_all(orienta, [sms(p, "bonjour", 0) for p in range(4)]))
    finally:
        event.remove(orienta.database, "commit", refuse)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert count(orienta, select(func.count()).select_from(InboundMessage)) == 0


def test_a_batch_waits_for_nothing_but_a_free_thread(orienta: Orienta) -> None:
    group = GroupCommit(orienta.sessions, orienta.db, max_batch=4)

    async def scenario() -> list[int]:
        return await asyncio.gather(*(group.run(lambda s, n=n: n) for n in range(9)))

    assert asyncio.run(scenario()) == list(range(9))
    # At most four a transaction, the first alone (SQLite: 1 + 4 + 4; PostgreSQL, two
    # batches in flight: 1 + 1 + 4 + 3).
    assert 3 <= group.batches <= 4


def test_turns_survive_the_database_closing_their_connections(orienta: Orienta) -> None:
    if not orienta.settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL restarts; SQLite is a file")
    asyncio.run(receive_all(orienta, [sms(1, "bonjour", 0)]))  # the pool has connections
    other = create_engine(orienta.settings.database_url, poolclass=NullPool)
    with other.connect() as connection:  # what a restart does to every connection
        killed = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    other.dispose()
    assert killed, "the pool had no connection to lose"
    (replies,) = asyncio.run(receive_all(orienta, [sms(1, "1", 1)]))
    assert isinstance(replies, list) and replies  # answered, not a 5xx
    assert count(orienta, select(func.count()).select_from(InboundMessage)) == 2


def test_a_turn_that_waited_for_the_persons_lock_answers_what_the_other_committed(
    orienta: Orienta, clock: FakeClock
) -> None:
    """PostgreSQL: a turn that waited for a person's row lock (another process had one
    of their messages) first read them as they were; it runs again on what the other
    committed rather than writing over it."""
    if not orienta.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: nobody waits for a row lock")

    def move_to(person: int, step: str, connection: Connection) -> None:
        connection.execute(
            update(Conversation)
            .where(Conversation.contact_id == contact_of(person))
            .values(step=step, updated_at=clock() + timedelta(seconds=1))
        )

    def contact_of(person: int) -> int:
        with orienta.sessions() as session:
            found = session.scalar(
                select(InboundMessage.contact_id).where(
                    InboundMessage.provider_id == f"SMgroup{person}-0"
                )
            )
        assert found is not None
        return found

    for person in (1, 2, 3):
        orienta.engine.handle(sms(person, "bonjour", 0))
    orienta.engine.handle(sms(1, "1", 1))  # where "1" leads: another question
    with orienta.sessions() as session:
        following = session.scalar(
            select(Conversation.step).where(Conversation.contact_id == contact_of(1))
        )
    assert following is not None
    with orienta.database.begin() as connection:  # person 2: moved on, nobody waiting
        move_to(2, following, connection)
    expected = [o.text for o in orienta.engine.handle(sms(2, "1", 1))]

    other = create_engine(orienta.settings.database_url, poolclass=NullPool)
    waiting = ThreadPoolExecutor(1)
    try:
        with other.begin() as connection:  # another process, in person 3's turn
            connection.execute(
                select(Contact.id).where(Contact.id == contact_of(3)).with_for_update()
            )
            turn = waiting.submit(orienta.engine.handle, sms(3, "1", 1))
            while not connection.scalar(  # until the turn waits for the lock
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ):
                assert not turn.done(), turn.result()
            move_to(3, following, connection)
        replies = turn.result(timeout=30)
    finally:
        waiting.shutdown()
        other.dispose()
    assert [o.text for o in replies] == expected


def test_shutting_down_writes_what_was_given_first(orienta: Orienta) -> None:
    async def scenario() -> int:
        group = orienta.group
        waiting = [
            asyncio.ensure_future(group.run(orienta.engine.turn(sms(p, "bonjour", 0))))
            for p in range(5)
        ]
        await asyncio.sleep(0)  # all five given, the first batch under way
        await group.aclose()
        stored = count(orienta, select(func.count()).select_from(InboundMessage))
        assert all(w.done() for w in waiting)
        return stored

    assert asyncio.run(scenario()) == 5
