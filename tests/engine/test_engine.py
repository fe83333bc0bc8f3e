"""Engine behaviour that transcripts cannot show: transactions, concurrency, privacy."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.app import Orienta, open_orienta
from bot.messaging import Inbound, Outbound
from bot.settings import Settings
from bot.storage.models import (
    Answer,
    Base,
    ChannelIdentity,
    Contact,
    Conversation,
    InboundMessage,
    OutboxMessage,
)

PHONE = "+224000000201"  # fictitious
ORIENTATION_TO_NEEDS = ["bonjour", "1", "1", "2", "1", "1", "3", "2", "2"]


def send(
    orienta: Orienta, body: str, provider_id: str | None = None, address: str = PHONE
) -> list[Outbound]:
    return orienta.engine.handle(
        Inbound(channel="sms", address=address, text=body, provider_id=provider_id)
    )


def count(orienta: Orienta, model: type[Base]) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_turn_that_cannot_be_stored_leaves_nothing_behind(orienta: Orienta) -> None:
    for body in ORIENTATION_TO_NEEDS[:4]:
        send(orienta, body)
    before = {m.__name__: count(orienta, m) for m in (InboundMessage, Answer, OutboxMessage)}

    def fail(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO outbox_messages"):  # the turn's last write
            raise OperationalError(statement, {}, Exception("disk full"))

    event.listen(orienta.database, "before_cursor_execute", fail)
    try:
        with pytest.raises(OperationalError):
            send(orienta, "1", provider_id="sms-retry-1")  # prefecture: Boffa
    finally:
        event.remove(orienta.database, "before_cursor_execute", fail)

    after = {m.__name__: count(orienta, m) for m in (InboundMessage, Answer, OutboxMessage)}
    assert after == before, "a failed turn must not leave half its writes"
    # The provider's retry of the same message is then handled as new, not as a duplicate.
    replies = send(orienta, "1", provider_id="sms-retry-1")
    assert "Vous êtes" in replies[0].text
    with orienta.sessions() as session:
        assert session.scalar(select(Answer.value).where(Answer.field == "prefecture")) == "boffa"


def test_database_outage_raises_instead_of_answering(settings: Settings) -> None:
    """A channel must answer 5xx when nothing could be stored: the engine never replies
    to a message it did not commit."""
    down = Settings(
        **{**settings.__dict__, "database_url": "postgresql+psycopg://postgres@127.0.0.1:1/x"}
    )
    orienta = open_orienta(down, run_migrations=False)
    try:
        with pytest.raises(OperationalError):
            send(orienta, "bonjour")
    finally:
        orienta.close()


def test_same_message_delivered_concurrently_is_handled_once(orienta: Orienta) -> None:
    for body in ORIENTATION_TO_NEEDS[:3]:
        send(orienta, body)
    results: list[list[Outbound]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(send(orienta, "3", provider_id="SMdup"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(results) == 4
    assert {tuple(o.text for o in r) for r in results} == {tuple(o.text for o in results[0])}
    assert "Dans quelle préfecture" in results[0][0].text
    with orienta.sessions() as session:
        dup = (
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.provider_id == "SMdup")
        )
        assert session.scalar(dup) == 1
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.step == "prefecture"


def test_first_messages_of_a_new_person_arriving_together_make_one_contact(
    orienta: Orienta,
) -> None:
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    # Greetings that answer nothing: with a digit in them ("bonjour 2"), one of them
    # could be read as an answer (to the consent question: "no", and the person erased)
    # in whichever order the three happen to be stored.
    greetings = ("bonjour", "salut", "bonsoir")

    def deliver(n: int) -> None:
        try:
            barrier.wait()
            send(orienta, greetings[n], provider_id=f"first-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert count(orienta, Contact) == 1
    assert count(orienta, ChannelIdentity) == 1
    assert count(orienta, InboundMessage) == 3


def test_logs_never_contain_a_phone_number_or_what_people_wrote(
    orienta: Orienta, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_words = "Je m'appelle Aissatou, j'habite à Boffa"
    for body in [*ORIENTATION_TO_NEEDS, "10", secret_words, "SOS", "EFFACER", "1"]:
        send(orienta, body)
    assert caplog.records, "the engine logs what it does"
    for record in caplog.records:
        shown = record.getMessage() + " " + " ".join(str(v) for v in record.__dict__.values())
        assert PHONE not in shown and PHONE[4:] not in shown
        assert "Aissatou" not in shown


def test_identity_is_looked_up_by_keyed_hash_not_by_number(orienta: Orienta) -> None:
    send(orienta, "bonjour")
    with orienta.sessions() as session:
        identity = session.scalars(select(ChannelIdentity)).one()
        assert identity.address_hash != PHONE
        assert PHONE not in identity.address_hash
        assert len(identity.address_hash) == 64
        contact = session.get(Contact, identity.contact_id)
        assert contact is not None and PHONE not in contact.public_id


def _dump_all_rows(orienta: Orienta) -> str:
    with orienta.sessions() as session:
        return "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(text(f'SELECT * FROM "{table.name}"'))
        )


def test_erasure_leaves_no_trace_of_the_person(orienta: Orienta) -> None:
    for body in [*ORIENTATION_TO_NEEDS, "10, 1", "Mon nom est Fanta Camara"]:
        send(orienta, body)
    everything = _dump_all_rows(orienta)
    assert PHONE in everything  # the number is kept while they use Orienta…
    assert "Fanta Camara" not in everything  # …what they write never is
    send(orienta, "EFFACER")
    replies = send(orienta, "1")
    assert "ont été effacées" in replies[0].text
    everything = _dump_all_rows(orienta)
    assert PHONE not in everything
    assert "Fanta Camara" not in everything
    assert count(orienta, Contact) == 0
    assert count(orienta, Answer) == 0


def test_another_person_is_untouched_by_an_erasure(orienta: Orienta) -> None:
    other = "+224000000299"
    for body in ORIENTATION_TO_NEEDS[:5]:
        send(orienta, body)
        send(orienta, body, address=other)
    send(orienta, "EFFACER")
    send(orienta, "1")
    assert count(orienta, Contact) == 1
    replies = send(orienta, "1", address=other)  # their gender: on to the next question
    assert "Quel âge" in replies[0].text


def test_database_errors_never_quote_a_phone_number(orienta: Orienta) -> None:
    """Errors end up in logs: they must not carry the statement's values."""
    send(orienta, "bonjour")
    with orienta.sessions() as session:
        identity = session.scalars(select(ChannelIdentity)).one()
        duplicate = ChannelIdentity(
            contact_id=identity.contact_id,
            channel=identity.channel,
            address_hash=identity.address_hash,
            address=PHONE,
            created_at=identity.created_at,
        )
        session.add(duplicate)
        with pytest.raises(IntegrityError) as info:
            session.flush()
    assert PHONE not in str(info.value)
