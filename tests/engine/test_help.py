"""The help state machine (bot/engine/help.py) driven as the admin will drive it, with no
UI: take, reply, hand back, close; what the bot says in each state; what Orienta starts
while a request about violence is open. Both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Orienta
from bot.engine import help as episodes
from bot.errors import HelpStateError
from bot.messaging import Inbound, Outbound
from bot.scheduling.jobs import Jobs
from bot.storage.models import Contact, Conversation, HelpEpisode, OutboxMessage
from tests.conftest import FakeClock

PHONE = "+224000000301"  # fictitious
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa


def send(orienta: Orienta, body: str, address: str = PHONE, channel: str = "sms") -> list[str]:
    replies = orienta.engine.handle(Inbound(channel=channel, address=address, text=body))
    return [r.text for r in replies]


def said(replies: list[str]) -> str:
    return "\n".join(replies)


def episode(orienta: Orienta) -> HelpEpisode:
    with orienta.sessions() as session:
        found = session.scalars(select(HelpEpisode).order_by(HelpEpisode.id.desc())).first()
        assert found is not None
        session.expunge(found)
        return found


def contact(orienta: Orienta) -> Contact:
    with orienta.sessions() as session:
        found = session.scalars(select(Contact)).one()
        session.expunge(found)
        return found


def step(orienta: Orienta) -> str | None:
    with orienta.sessions() as session:
        return session.scalars(select(Conversation.step)).one()


def rows_to_person(orienta: Orienta) -> list[OutboxMessage]:
    """Rows Orienta or staff started (not replies to an inbound message)."""
    with orienta.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.inbound_id.is_(None), OutboxMessage.contact_id.is_not(None))
            .order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def asks_help_mid_flow(
    orienta: Orienta, words: str = "mon mari me frappe", answer: str = "Votre sécurité"
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    assert answer in said(send(orienta, words))


def take(orienta: Orienta, clock: FakeClock, staff: str = "staff-a") -> bool:
    with orienta.sessions.begin() as session:
        return episodes.take(session, episode(orienta).id, staff, clock())


def test_one_message_opens_one_episode_and_a_second_adds_only_a_timestamp(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(orienta)
    first = episode(orienta)
    assert (first.kind, first.category, first.state) == ("urgent", "violence", "requested")
    clock.advance(timedelta(minutes=5))
    send(orienta, "je veux mourir")
    again = episode(orienta)
    assert again.id == first.id
    assert again.last_message_at > first.last_message_at
    assert again.category == "self_harm"  # the graver category is kept


def test_two_staff_taking_at_once_one_wins(orienta: Orienta, clock: FakeClock) -> None:
    asks_help_mid_flow(orienta)
    assert take(orienta, clock, "staff-a")
    assert not take(orienta, clock, "staff-b")
    assert episode(orienta).taken_by == "staff-a"


def test_concurrent_takes_in_two_transactions(
    orienta: Orienta, clock: FakeClock, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers: the sequential test covers it")
    asks_help_mid_flow(orienta)
    episode_id = episode(orienta).id
    results: dict[str, bool] = {}
    first = orienta.sessions()
    first.begin()
    results["a"] = episodes.take(first, episode_id, "staff-a", clock())

    def second() -> None:
        with orienta.sessions.begin() as session:
            results["b"] = episodes.take(session, episode_id, "staff-b", clock())

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)  # it waits on the first one's row lock
    assert thread.is_alive()
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert results == {"a": True, "b": False}


def test_while_taken_the_bot_is_silent_but_stop_urgence_and_effacer_answer(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(orienta)
    assert take(orienta, clock)
    assert send(orienta, "merci, je peux parler maintenant") == []
    assert send(orienta, "1") == []
    assert send(orienta, "MENU") == []
    assert "suit déjà votre demande" in said(send(orienta, "au secours il revient"))
    assert "Voulez-vous vraiment effacer" in said(send(orienta, "EFFACER"))
    assert "rien n'a été effacé" in said(send(orienta, "2"))
    assert "vous ne recevrez plus de messages" in said(send(orienta, "STOP"))


def test_a_staff_reply_goes_to_where_the_person_wrote_as_written(
    orienta: Orienta, clock: FakeClock
) -> None:
    # Before consent too: they asked for help, so staff may answer.
    send(orienta, "bonjour", channel="telegram", address="77001")
    send(orienta, "on veut me tuer", channel="telegram", address="77001")
    assert take(orienta, clock)
    text = "Bonjour, je suis Aïssatou {de l'ONG}. Êtes-vous en sécurité ?"
    with orienta.sessions.begin() as session:
        queued = episodes.reply(
            orienta.engine, session, episode(orienta).id, "staff-a", text, clock()
        )
    assert queued == 1
    [row] = rows_to_person(orienta)
    assert row.channel == "telegram"
    assert Outbound.from_payload("telegram", "77001", row.payload).text == text


def test_only_the_staff_member_who_took_it_replies(orienta: Orienta, clock: FakeClock) -> None:
    asks_help_mid_flow(orienta)
    with pytest.raises(HelpStateError), orienta.sessions.begin() as session:
        episodes.reply(orienta.engine, session, episode(orienta).id, "staff-a", "x", clock())
    assert take(orienta, clock, "staff-a")
    with pytest.raises(HelpStateError), orienta.sessions.begin() as session:
        episodes.reply(orienta.engine, session, episode(orienta).id, "staff-b", "x", clock())


def test_not_safe_means_no_reply_until_the_person_writes_again(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(orienta)
    send(orienta, "1")  # be contacted
    assert "personne ne vous écrira" in said(send(orienta, "4"))  # not safe
    assert take(orienta, clock)
    with orienta.sessions.begin() as session:
        assert (
            episodes.reply(orienta.engine, session, episode(orienta).id, "staff-a", "x", clock())
            == 0
        )
    clock.advance(timedelta(hours=2))
    assert send(orienta, "je peux parler maintenant") == []  # taken: staff read it
    with orienta.sessions.begin() as session:
        assert (
            episodes.reply(orienta.engine, session, episode(orienta).id, "staff-a", "y", clock())
            == 1
        )


def test_hand_back_resumes_the_question_the_person_was_at(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(orienta)
    send(orienta, "2")  # later: waiting
    assert step(orienta) == "help_wait"
    assert take(orienta, clock)
    with orienta.sessions.begin() as session:
        episodes.hand_back(orienta.engine, session, episode(orienta).id, "staff-a", clock())
    assert episode(orienta).state == "handed_back"
    assert step(orienta) == "gender"
    # Shielded (violence, number not said safe): the question waits for them to write.
    assert rows_to_person(orienta) == []
    assert "Nous reprenons là où vous en étiez" in said(back := send(orienta, "bonjour"))
    assert "Vous êtes" in said(back)
    assert "Quel âge" in said(send(orienta, "1"))


def test_hand_back_sends_the_question_when_orienta_may_write(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(
        orienta, "je veux parler à quelqu'un", "une personne de l'équipe"
    )  # a handoff: not shielded
    assert episode(orienta).kind == "handoff"
    assert take(orienta, clock)
    with orienta.sessions.begin() as session:
        episodes.hand_back(orienta.engine, session, episode(orienta).id, "staff-a", clock())
    [row] = rows_to_person(orienta)
    assert "Vous êtes" in Outbound.from_payload("sms", PHONE, row.payload).text


def test_close_ends_the_episode_and_the_shield(orienta: Orienta, clock: FakeClock) -> None:
    asks_help_mid_flow(orienta)
    send(orienta, "2")
    assert contact(orienta).shielded_at is not None
    with orienta.sessions.begin() as session:
        episodes.close(session, episode(orienta).id, "staff-a", "reached", clock())
    closed = episode(orienta)
    assert (closed.state, closed.outcome) == ("closed", "reached")
    person = contact(orienta)
    assert person.help_state is None and person.shielded_at is None
    assert step(orienta) == "gender"
    with pytest.raises(HelpStateError), orienta.sessions.begin() as session:
        episodes.close(session, closed.id, "staff-a", "reached", clock())
    # A new call for help after closing is a new episode.
    send(orienta, "au secours")
    assert episode(orienta).id != closed.id


def test_nothing_expires_an_untaken_episode(orienta: Orienta, clock: FakeClock) -> None:
    asks_help_mid_flow(orienta)
    for _ in range(4):
        clock.advance(timedelta(days=15, hours=1))
        Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).run_due()
    assert episode(orienta).state == "requested"
    assert rows_to_person(orienta) == []  # and no nudge to finish the orientation


def test_a_shielded_person_gets_no_reminder_nudge_or_broadcast(
    orienta: Orienta, clock: FakeClock
) -> None:
    asks_help_mid_flow(orienta)
    with orienta.sessions.begin() as session:
        person = session.scalars(select(Contact)).one()
        assert person.shielded_at is not None
        assert orienta.engine.push(session, person, [], "nudge:test", clock()) == 0
        payload = Outbound("sms", "", "Formation gratuite").payload()
        added = orienta.engine.writer.to_audience(
            session, None, {"fr": payload}, "broadcast:test", clock(), clock()
        )
    assert added == 0
