"""The outbox dispatcher against a fake Twilio API on 127.0.0.1, on SQLite and PostgreSQL:
retries, permanent failures, who may still be written to, crashes and parallel workers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Orienta, open_orienta
from bot.channels.twilio.sender import TwilioSender
from bot.engine.identity import create_identity
from bot.messaging import Outbound
from bot.outbox.dispatcher import Dispatcher
from bot.settings import load_settings
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage
from bot.types import Channel
from tests.conftest import FakeClock, empty_postgres
from tests.fakes.servers import serve
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

ORIENTA = shutil.which("orienta", path=str(Path(sys.executable).parent)) or "orienta"


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with serve(twilio.app()) as url:
        yield twilio, url


def sender(url: str, channel: Channel = "sms", **options: Any) -> TwilioSender:
    return TwilioSender(
        channel,
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        sender="+224000000900" if channel == "sms" else "+224000000901",
        public_base_url="https://orienta.example.org",
        api_base_url=url,
        **options,
    )


def enqueue(orienta: Orienta, count: int, people: int = 1, reply: bool = False) -> list[str]:
    """`count` proactive messages (or replies) spread over `people` fictitious numbers."""
    now = orienta.engine.clock()
    keys = []
    with orienta.sessions.begin() as session:
        identities = []
        for n in range(people):
            address = f"+224000{n:06d}"
            identities.append(
                create_identity(session, orienta.settings.identity_key, "sms", address, now)
            )
        for i in range(count):
            identity = identities[i % people]
            key = f"test:{i}"
            keys.append(key)
            session.add(
                OutboxMessage(
                    idempotency_key=key,
                    contact_id=identity.contact_id,
                    identity_id=identity.id,
                    inbound_id=None,
                    channel="sms",
                    payload=Outbound("sms", "", f"Rappel n°{i} : rendez-vous demain.").payload(),
                    status="queued",
                    due_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    if reply:
        with orienta.sessions.begin() as session:
            for row in session.scalars(select(OutboxMessage)):
                row.inbound_id = None  # stays proactive; see the STOP test for replies
    return keys


def statuses(orienta: Orienta) -> dict[str, int]:
    with orienta.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {status: int(n) for status, n in rows}


def dispatch(orienta: Orienta, url: str, clock: FakeClock, passes: int = 1) -> None:
    async def go() -> None:
        twilio = sender(url)
        dispatcher = Dispatcher(orienta.sessions, {"sms": twilio}, clock=clock)
        for _ in range(passes):
            await dispatcher.dispatch_once()
        await twilio.aclose()

    asyncio.run(go())


def test_a_message_refused_with_429_is_retried_later_and_delivered_once(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    twilio.failures = [(429, 20429, "30")]
    enqueue(orienta, 1)
    dispatch(orienta, url, clock)
    assert twilio.count() == 0
    with orienta.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "queued"
        assert row.due_at == clock() + timedelta(seconds=30)  # the provider's Retry-After
    dispatch(orienta, url, clock)  # not due yet: nothing happens
    assert twilio.attempts == 1
    clock.advance(timedelta(seconds=31))
    dispatch(orienta, url, clock)
    assert twilio.count() == 1 and twilio.attempts == 2
    assert statuses(orienta) == {"sent": 1}
    with orienta.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.provider_message_id == twilio.accepted[0].sid
    assert twilio.accepted[0].key == "test:0"
    assert twilio.accepted[0].body == "Rappel n°0 : rendez-vous demain."


def test_server_errors_back_off_with_jitter(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    twilio.failures = [(503, None, None)] * 3
    enqueue(orienta, 1)
    waits = []
    for _ in range(3):
        dispatch(orienta, url, clock)
        with orienta.sessions() as session:
            row = session.scalars(select(OutboxMessage)).one()
        waits.append((row.due_at - clock()).total_seconds())
        clock.advance(timedelta(seconds=waits[-1] + 1))
    assert 1.0 <= waits[0] <= 3.0 and 2.0 <= waits[1] <= 6.0 and 4.0 <= waits[2] <= 12.0
    dispatch(orienta, url, clock)
    assert twilio.count() == 1


def test_an_unsubscribed_number_is_marked_and_never_tried_again(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    enqueue(orienta, 3)
    twilio.blocked["+224000000000"] = 21610
    dispatch(orienta, url, clock)
    assert twilio.attempts == 3  # the three were claimed together
    with orienta.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        identity = session.scalars(select(ChannelIdentity)).one()
        assert contact.opted_out_at is not None  # treated as STOP
        assert identity.unreachable_at is not None
    enqueue_more = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        session.add(
            OutboxMessage(
                idempotency_key="later",
                contact_id=contact.id,
                identity_id=identity.id,
                channel="sms",
                payload=Outbound("sms", "", "Encore ?").payload(),
                status="queued",
                due_at=enqueue_more,
                created_at=enqueue_more,
                updated_at=enqueue_more,
            )
        )
    dispatch(orienta, url, clock)
    assert twilio.attempts == 3
    assert statuses(orienta) == {"failed": 3, "cancelled": 1}


def test_after_stop_replies_still_go_out_but_nothing_orienta_starts(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    enqueue(orienta, 2)
    with orienta.sessions.begin() as session:
        session.scalars(select(Contact)).one().opted_out_at = clock()
    dispatch(orienta, url, clock)
    assert twilio.count() == 0
    assert statuses(orienta) == {"cancelled": 2}


@pytest.mark.parametrize("hold", ["paused_at", "shielded_at"])
def test_what_orienta_started_waits_no_more_once_the_person_is_paused_or_shielded(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock, hold: str
) -> None:
    twilio, url = fake
    enqueue(orienta, 2)  # say, two reminders written before staff paused the person
    with orienta.sessions.begin() as session:
        contact = session.scalars(select(Contact)).one()
        setattr(contact, hold, clock())
        identity = session.scalars(select(ChannelIdentity)).one()
        staff_reply = "help:1:reply:abc"  # what staff write still goes
        session.add(
            OutboxMessage(
                idempotency_key=staff_reply,
                contact_id=contact.id,
                identity_id=identity.id,
                channel="sms",
                payload=Outbound("sms", "", "Bonjour, je suis Aïssatou, de l'équipe.").payload(),
                status="queued",
                due_at=clock(),
                created_at=clock(),
                updated_at=clock(),
            )
        )
    dispatch(orienta, url, clock)
    assert twilio.count() == 1
    assert statuses(orienta) == {"cancelled": 2, "sent": 1}


def test_a_test_person_s_messages_never_go_to_a_real_channel(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    """The simulator's test people live on its own channels; were a row of theirs ever
    queued on a real one, it would still not be sent (policy.on_own_channels)."""
    twilio, url = fake
    enqueue(orienta, 2)
    with orienta.sessions.begin() as session:
        session.scalars(select(Contact)).one().test = True
    dispatch(orienta, url, clock)
    assert twilio.count() == 0
    assert statuses(orienta) == {"cancelled": 2}


def test_messages_to_an_erased_person_are_not_sent(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    enqueue(orienta, 2)
    with orienta.sessions.begin() as session:
        session.delete(session.scalars(select(Contact)).one())
    dispatch(orienta, url, clock)
    assert twilio.count() == 0
    assert statuses(orienta) == {}  # the rows went with the person


def worker_env(orienta: Orienta, url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
    env.update(
        DATABASE_URL=orienta.settings.database_url,
        ORIENTA_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY=orienta.settings.secret_key,
        IDENTITY_KEY=orienta.settings.identity_key,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_SMS_FROM="+224000000900",
        TWILIO_API_BASE_URL=url,
        PUBLIC_BASE_URL="https://orienta.example.org",
        TWILIO_MESSAGES_PER_SECOND="2000",
        OUTBOX_STALE_AFTER_SECONDS="1",
    )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([ORIENTA, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    orienta: Orienta, fake: tuple[FakeTwilio, str], tmp_path: Path
) -> None:
    twilio, url = fake
    keys = enqueue(orienta, 1000, people=50)
    env = worker_env(orienta, url, tmp_path)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        twilio.wait_until(lambda: twilio.count() >= 300, "300 messages before the crash")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_crash = twilio.count()
        in_flight = statuses(orienta).get("sending", 0)
        worker = start_worker(env, log)
        twilio.wait_until(lambda: statuses(orienta) == {"sent": 1000}, "all 1000 sent", 90)
    finally:
        worker.kill()
        worker.wait(10)
    per_key = twilio.per_key()
    assert set(per_key) == set(keys), "every message reached the provider"
    assert max(per_key.values()) == 1, "no message was sent twice"
    assert twilio.count() == 1000
    print(
        f"crash test: {at_crash} accepted before SIGKILL, {in_flight} rows left 'sending', "
        f"1000/1000 delivered exactly once"
    )


@pytest.fixture
def pg_orienta(postgres_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Orienta]:
    """Orienta on PostgreSQL only: several dispatchers need SKIP LOCKED (SQLite runs one)."""
    empty_postgres(postgres_url)
    settings = load_settings(
        environ={
            "DATABASE_URL": postgres_url,
            "ORIENTA_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": "test-secret-key",
            "IDENTITY_KEY": "test-identity-key",
        },
        env_file=None,
    )
    app = open_orienta(settings, clock=clock)
    yield app
    app.close()


@pytest.mark.slow
def test_two_workers_on_postgresql_never_send_a_message_twice(
    pg_orienta: Orienta, fake: tuple[FakeTwilio, str], tmp_path: Path
) -> None:
    orienta = pg_orienta
    twilio, url = fake
    keys = enqueue(orienta, 1000, people=50)
    env = worker_env(orienta, url, tmp_path)
    workers = [start_worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        twilio.wait_until(lambda: statuses(orienta) == {"sent": 1000}, "all 1000 sent", 90)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
    per_key = twilio.per_key()
    assert set(per_key) == set(keys)
    assert max(per_key.values()) == 1


def whatsapp_row(
    orienta: Orienta, last_inbound_ago: timedelta | None, important: bool, key: str = "wa:1"
) -> None:
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        identity = create_identity(
            session, orienta.settings.identity_key, "whatsapp", "+224000000777", now
        )
        identity.last_inbound_at = now - last_inbound_ago if last_inbound_ago else None
        session.add(
            OutboxMessage(
                idempotency_key=key,
                contact_id=identity.contact_id,
                identity_id=identity.id,
                channel="whatsapp",
                payload=Outbound(
                    "whatsapp", "", "Rappel : rendez-vous demain à 9 h.", important=important
                ).payload(),
                status="queued",
                due_at=now,
                created_at=now,
                updated_at=now,
            )
        )


def dispatch_both(orienta: Orienta, url: str, clock: FakeClock, template: str = "") -> None:
    async def go() -> None:
        senders = {
            "sms": sender(url),
            "whatsapp": sender(url, "whatsapp", template_sid=template),
        }
        dispatcher = Dispatcher(orienta.sessions, senders, clock=clock)
        for _ in range(2):
            await dispatcher.dispatch_once()
        for s in senders.values():
            await s.aclose()

    asyncio.run(go())


def test_whatsapp_inside_the_24_hour_window_is_sent_on_whatsapp(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    whatsapp_row(orienta, timedelta(hours=3), important=True)
    dispatch_both(orienta, url, clock)
    assert [(a.to, a.content_sid) for a in twilio.accepted] == [("whatsapp:+224000000777", None)]


def test_outside_the_window_an_important_message_falls_back_to_sms(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    whatsapp_row(orienta, timedelta(days=2), important=True)
    dispatch_both(orienta, url, clock)
    assert [a.to for a in twilio.accepted] == ["+224000000777"]
    assert twilio.accepted[0].body == "Rappel : rendez-vous demain à 9 h."
    assert statuses(orienta) == {"window_closed": 1, "sent": 1}


def test_outside_the_window_an_ordinary_message_is_not_attempted_and_reported(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    whatsapp_row(orienta, timedelta(days=2), important=False)
    dispatch_both(orienta, url, clock)
    assert twilio.attempts == 0
    assert statuses(orienta) == {"window_closed": 1}


def test_outside_the_window_the_approved_template_is_used_when_configured(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    whatsapp_row(orienta, timedelta(days=2), important=False)
    dispatch_both(orienta, url, clock, template="HXfake0000000000000000000000000000")
    assert [(a.to, a.content_sid) for a in twilio.accepted] == [
        ("whatsapp:+224000000777", "HXfake0000000000000000000000000000")
    ]


def test_when_whatsapp_cannot_deliver_an_important_message_sms_does(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    twilio.blocked["whatsapp:+224000000777"] = 63003  # channel could not find the number
    whatsapp_row(orienta, timedelta(hours=1), important=True)
    dispatch_both(orienta, url, clock)
    assert [a.to for a in twilio.accepted] == ["+224000000777"]
    assert statuses(orienta) == {"failed": 1, "sent": 1}


def test_whatsapp_carries_media_and_sms_drops_it(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    whatsapp_row(orienta, timedelta(hours=1), important=False)
    audio = "https://orienta.example.org/media/consent.ask.fr.ogg"
    with orienta.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.payload = {**row.payload, "media": [audio]}
        row.channel = "whatsapp"
    dispatch_both(orienta, url, clock)
    assert twilio.accepted[0].media == [audio]


def test_wrong_credentials_do_not_mark_people_unreachable(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    twilio, url = fake
    twilio.failures = [(401, 20003, None)]
    enqueue(orienta, 1)
    dispatch(orienta, url, clock)
    with orienta.sessions() as session:
        assert session.scalars(select(ChannelIdentity)).one().unreachable_at is None
        assert session.scalars(select(OutboxMessage)).one().status == "queued"


def test_a_timeout_after_sending_is_reconciled_not_resent(
    orienta: Orienta, fake: tuple[FakeTwilio, str], clock: FakeClock
) -> None:
    """Twilio accepted the message but its answer never came: no blind resend."""
    twilio, url = fake
    twilio.hold_answers()  # accepted, but its answer comes too late
    enqueue(orienta, 1)

    async def go() -> None:
        slow = sender(url, timeout=0.2)
        dispatcher = Dispatcher(
            orienta.sessions, {"sms": slow}, clock=clock, stale_after=timedelta(seconds=60)
        )
        await dispatcher.dispatch_once()
        assert statuses(orienta) == {"sending": 1}
        assert twilio.count() == 1  # Twilio has it, we do not know
        twilio.release_answers()
        clock.advance(timedelta(seconds=61))
        assert await dispatcher.reconcile() == 1
        await dispatcher.dispatch_once()
        await slow.aclose()

    asyncio.run(go())
    assert twilio.count() == 1
    assert statuses(orienta) == {"sent": 1}
    with orienta.sessions() as session:
        assert session.scalars(select(OutboxMessage)).one().provider_message_id == (
            twilio.accepted[0].sid
        )


def test_writing_again_makes_an_unreachable_number_reachable(orienta: Orienta) -> None:
    enqueue(orienta, 0)
    with orienta.sessions.begin() as session:
        session.scalars(select(ChannelIdentity)).one().unreachable_at = orienta.engine.clock()
    from bot.messaging import Inbound

    orienta.engine.handle(Inbound(channel="sms", address="+224000000000", text="bonjour"))
    with orienta.sessions() as session:
        assert session.scalars(select(ChannelIdentity)).one().unreachable_at is None
