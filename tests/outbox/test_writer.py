"""The outbox's one writer and its policy, on SQLite and PostgreSQL: who may be written to
first and on which address, partners' focal points, staff on duty, fallbacks, and a staff
member's own words sent as written, laid out by each channel's code."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Orienta
from bot.channels.registry import channel_type
from bot.engine.identity import create_identity, find_identity
from bot.flows.model import Say, Verbatim
from bot.messaging import Inbound, Outbound
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.writer import OutboxWriter
from bot.storage.models import ChannelIdentity, Contact, OutboxMessage, Partner
from tests.conftest import FakeClock
from tests.fakes.memory import MemorySender

STAFF_WORDS = "Bonjour Aïssatou, c'est Mariama de l'équipe. {Rendez-vous} jeudi — ça vous va ?"


def person(orienta: Orienta, channel: str = "sms", address: str = "+224000000801") -> int:
    """Someone who went through consent on `channel`; their contact id."""
    for text in ("bonjour", "1", "1"):
        orienta.engine.handle(Inbound(channel, address, text))
    with orienta.sessions() as session:
        identity = find_identity(session, orienta.settings.identity_key, channel, address)
        assert identity is not None
        return identity.contact_id


def push(orienta: Orienta, contact_id: int, text: str = STAFF_WORDS, key: str = "staff:1") -> int:
    with orienta.sessions.begin() as session:
        contact = session.get_one(Contact, contact_id)
        replies = [Say(Verbatim(text))]
        return orienta.engine.push(session, contact, replies, key, orienta.engine.clock())


def rows(orienta: Orienta) -> list[OutboxMessage]:
    with orienta.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == "queued")
                .order_by(OutboxMessage.id)
            )
        )


def send_queued(orienta: Orienta, channel: str) -> MemorySender:
    sender = MemorySender(channel)
    dispatcher = Dispatcher(orienta.sessions, {channel: sender}, clock=orienta.engine.clock)
    asyncio.run(dispatcher.dispatch_once())
    return sender


def test_a_staff_member_s_words_go_as_written_and_each_channel_lays_them_out(
    orienta: Orienta,
) -> None:
    contact = person(orienta)
    assert push(orienta, contact) == 1
    (row,) = rows(orienta)
    assert row.payload["text"] == STAFF_WORDS  # not translated, braces untouched
    assert row.payload["message_ids"] == []  # nothing to record as a prompt
    sms = send_queued(orienta, "sms")
    # By SMS, the channel's own layout: folded to GSM-7 where the meaning holds.
    (sent,) = sms.sent
    assert sent.address == "+224000000801"
    body = channel_type("sms").body(Outbound.from_payload("sms", "", sent.payload))
    assert "{Rendez-vous}" in body and "Aïssatou" not in body and "Aissatou" in body


def test_a_long_message_goes_in_pieces_within_the_channel_s_limit(orienta: Orienta) -> None:
    contact = person(orienta, "telegram", "700000801")
    long_words = " ".join(["Voici les papiers à apporter pour la formation."] * 120)  # ~5,900
    assert push(orienta, contact, long_words) == 1
    telegram = send_queued(orienta, "telegram")
    assert len(telegram.sent) == 2
    assert all(len(t) <= 4096 for t in telegram.texts())
    assert " ".join(telegram.texts()) == long_words
    assert {s.key for s in telegram.sent} == {"staff:1:0"}  # one row, two messages


def test_nobody_is_written_to_first_without_consent_or_after_stop(orienta: Orienta) -> None:
    orienta.engine.handle(Inbound("sms", "+224000000802", "bonjour"))  # consent not given
    with orienta.sessions() as session:
        found = find_identity(session, orienta.settings.identity_key, "sms", "+224000000802")
        assert found is not None
        pending = found.contact_id
    assert push(orienta, pending) == 0
    contact = person(orienta, address="+224000000803")
    orienta.engine.handle(Inbound("sms", "+224000000803", "STOP"))
    assert push(orienta, contact, key="staff:2") == 0
    assert rows(orienta) == []


def test_the_address_last_written_from_and_reachable(orienta: Orienta, clock: FakeClock) -> None:
    contact = person(orienta, "sms", "+224000000804")
    clock.advance(timedelta(minutes=5))
    orienta.engine.handle(Inbound("whatsapp", "+224000000804", "AIDE"))
    push(orienta, contact, key="a")
    assert [r.channel for r in rows(orienta)] == ["whatsapp"]
    with orienta.sessions.begin() as session:
        for identity in session.scalars(select(ChannelIdentity)):
            if identity.channel == "whatsapp":
                identity.unreachable_at = clock()
    push(orienta, contact, key="b")
    assert [r.channel for r in rows(orienta)] == ["whatsapp", "sms"]


def test_a_partner_is_written_to_only_where_it_can_be_reached(
    orienta: Orienta, clock: FakeClock
) -> None:
    writer = OutboxWriter(orienta.settings)
    with orienta.sessions.begin() as session:
        partner = Partner(
            code="TW1",
            name="Partenaire test",
            kind="ngo",
            focal_channel="email",
            focal_address="focal@example.org",
            created_at=clock(),
        )
        session.add(partner)
        session.flush()
        assert writer.to_partner(session, partner, "p:1", "Texte", clock()) is False  # no SMTP
        with_smtp = OutboxWriter(replace(orienta.settings, smtp_host="smtp.example.org"))
        assert with_smtp.to_partner(session, partner, "p:1", "Texte", clock()) is True
        assert with_smtp.to_partner(session, partner, "p:1", "Texte", clock()) is False  # once
        partner.active = False
        assert with_smtp.to_partner(session, partner, "p:2", "Texte", clock()) is False


def test_a_notice_to_staff_on_duty_goes_to_the_address_it_carries_at_any_hour(
    orienta: Orienta, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=23)  # quiet hours: urgent, it goes all the same
    writer = OutboxWriter(orienta.settings)
    with orienta.sessions.begin() as session:
        now = clock()
        assert writer.to_staff(session, "sms", "+224 000 00 09 60", "Texte", "on-duty:1", now)
        assert not writer.to_staff(session, "sms", "+224000000960", "Texte", "on-duty:1", now)
        assert not writer.to_staff(session, "sms", "pas un numéro", "Texte", "on-duty:2", now)
        assert not writer.to_staff(session, "email", "p@example.org", "Texte", "on-duty:3", now)
        with_smtp = OutboxWriter(replace(orienta.settings, smtp_host="smtp.example.org"))
        assert with_smtp.to_staff(session, "email", "p@example.org", "Texte", "on-duty:3", now)
        with pytest.raises(ValueError, match="on-duty:"):
            writer.to_staff(session, "sms", "+224000000960", "Texte", "staff:4", now)
    (sms, email) = rows(orienta)
    assert (sms.channel, sms.payload["to"], sms.due_at) == ("sms", "+224000000960", clock())
    assert (email.channel, email.payload["to"]) == ("email", "p@example.org")
    sender = send_queued(orienta, "sms")
    assert [(s.address, s.text) for s in sender.sent] == [("+224000000960", "Texte")]
    # Left 'sending' by a crash: reconciled with the address it carries.
    with orienta.sessions.begin() as session:
        row = session.get_one(OutboxMessage, sms.id)
        row.status, row.updated_at = "sending", clock() - timedelta(minutes=5)
    dispatcher = Dispatcher(orienta.sessions, {"sms": sender}, clock=orienta.engine.clock)
    (stale,) = dispatcher.claims.stale(timedelta(minutes=2))
    assert stale.address == "+224000000960"


def test_a_row_with_nobody_behind_it_is_cancelled_not_sent(orienta: Orienta) -> None:
    """Only a notice to staff carries its address: any other row without a person or a
    partner (an erased person's) finds nobody to go to, whatever its payload says."""
    now = orienta.engine.clock()
    writer = OutboxWriter(orienta.settings)
    with orienta.sessions.begin() as session:
        writer.to_staff(session, "sms", "+224000000960", "Texte", "on-duty:1", now)
        row = session.scalars(select(OutboxMessage)).one()
        row.idempotency_key = "job:1"  # as if another kind of row
    assert send_queued(orienta, "sms").sent == []
    with orienta.sessions() as session:
        assert session.scalars(select(OutboxMessage.status)).one() == "cancelled"


def test_an_important_whatsapp_message_falls_back_to_sms_once(
    orienta: Orienta, clock: FakeClock
) -> None:
    writer = OutboxWriter(orienta.settings)
    with orienta.sessions.begin() as session:
        identity = create_identity(
            session, orienta.settings.identity_key, "whatsapp", "+224000000805", clock()
        )
        row = OutboxMessage(
            idempotency_key="wa:1",
            contact_id=identity.contact_id,
            identity_id=identity.id,
            channel="whatsapp",
            payload=Outbound("whatsapp", "", "Rappel", important=True).payload(),
            status="failed",
            due_at=clock(),
            created_at=clock(),
            updated_at=clock(),
        )
        session.add(row)
        session.flush()
        assert writer.fallback(session, row, clock()) is True
        assert writer.fallback(session, row, clock()) is False
        row.payload = {**row.payload, "important": False}
        row.idempotency_key = "wa:2"
        assert writer.fallback(session, row, clock()) is False  # not important
    sms = [r for r in rows(orienta) if r.channel == "sms"]
    assert [r.idempotency_key for r in sms] == ["wa:1:sms"]
