"""Staff pausing the bot for a person (bot/engine/pause.py), through the engine on both
databases: the short reply instead of the orientation, and how often; STOP, EFFACER and
calls for help as usual; nothing Orienta starts (reminders, nudges, broadcasts); and
resuming where the person was."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import Orienta
from bot.engine import pause
from bot.engine.identity import find_identity
from bot.messaging import Inbound, Outbound
from bot.outbox import policy
from bot.scheduling.jobs import Jobs
from bot.storage.models import Answer, Contact, Conversation, OutboxMessage, ScheduledJob
from tests.booking.test_booking import add_service, say, to_offers
from tests.conftest import FakeClock

PHONE = "+224000000401"  # fictitious
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa
PAUSED = "Une personne de l'équipe d'Orienta vous répondra"


def send(orienta: Orienta, body: str, address: str = PHONE) -> str:
    replies = orienta.engine.handle(Inbound(channel="sms", address=address, text=body))
    return "\n".join(r.text for r in replies)


def set_paused(orienta: Orienta, paused: bool, address: str = PHONE) -> None:
    with orienta.sessions.begin() as session:
        contact = _contact(orienta, session, address)
        if paused:
            assert pause.pause(contact, orienta.engine.clock())
        else:
            assert pause.resume(session, contact)


def _contact(orienta: Orienta, session: Session, address: str = PHONE) -> Contact:
    identity = find_identity(session, orienta.settings.identity_key, "sms", address)
    assert identity is not None
    return identity.contact


def step(orienta: Orienta) -> str | None:
    with orienta.sessions() as session:
        return session.scalars(select(Conversation.step)).one()


def answers(orienta: Orienta) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Answer)) or 0)


def started_rows(orienta: Orienta) -> list[OutboxMessage]:
    """Rows Orienta started to people (not replies, not partners' notices)."""
    with orienta.sessions() as session:
        found = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.inbound_id.is_(None), OutboxMessage.contact_id.is_not(None)
            )
        ).all()
        return list(found)


def test_a_paused_person_is_told_the_team_will_answer_and_the_orientation_waits(
    orienta: Orienta,
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    before = answers(orienta)
    set_paused(orienta, True)
    reply = send(orienta, "1")  # would answer "Vous êtes…" with "Une femme"
    assert PAUSED in reply
    assert "Quel âge" not in reply and "Vous êtes" not in reply
    assert (step(orienta), answers(orienta)) == ("gender", before)
    for keyword in ("MENU", "AIDE", "LANGUE", "RDV"):
        assert "Quel âge" not in send(orienta, keyword)
    assert (step(orienta), answers(orienta)) == ("gender", before)  # MENU cleared nothing


def test_the_reply_is_said_once_then_again_only_hours_later(
    orienta: Orienta, clock: FakeClock
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    set_paused(orienta, True)
    assert PAUSED in send(orienta, "bonjour")  # never silence at the first message
    clock.advance(timedelta(minutes=2))
    assert send(orienta, "vous êtes là ?") == ""  # several SMS of one thought: one reply
    clock.advance(timedelta(hours=5))
    assert send(orienta, "allo") == ""
    clock.advance(timedelta(hours=1))
    assert PAUSED in send(orienta, "allo ?")  # hours since it was said: again
    # Resumed, then paused again: the first message of the new pause is answered.
    set_paused(orienta, False)
    set_paused(orienta, True)
    assert PAUSED in send(orienta, "bonjour")


def test_a_call_for_help_is_answered_as_usual_and_its_steps_go_on(orienta: Orienta) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    set_paused(orienta, True)
    reply = send(orienta, "mon mari me frappe")
    assert "Votre sécurité" in reply and "Que souhaitez-vous" in reply
    assert "peut-on utiliser ce numéro" in send(orienta, "1")  # be contacted
    assert "vous écrira" in send(orienta, "1")  # safe at any time
    # SUITE would take them back to the orientation: the short reply instead.
    back = send(orienta, "SUITE")
    assert PAUSED in back and "Vous êtes" not in back
    assert "Votre sécurité" in send(orienta, "URGENCE")


def test_stop_and_effacer_work_as_usual(orienta: Orienta) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    set_paused(orienta, True)
    assert "vous ne recevrez plus de messages" in send(orienta, "STOP")
    assert send(orienta, "bonjour") == ""  # STOP: silence, not even the short reply
    restarted = send(orienta, "REPRENDRE")
    assert "Orienta vous écrit de nouveau" in restarted and PAUSED in restarted
    assert "Vous êtes" not in restarted
    kept = send(orienta, "EFFACER")
    assert "Voulez-vous vraiment effacer" in kept
    cancelled = send(orienta, "2")
    assert "rien n'a été effacé" in cancelled and "Vous êtes" not in cancelled
    send(orienta, "EFFACER")
    assert "ont été effacées" in send(orienta, "1")
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_nothing_is_started_to_a_paused_person(orienta: Orienta, clock: FakeClock) -> None:
    add_service(orienta, capacity=2, slots=1)
    other = "+224000000402"
    for person in (PHONE, other):
        to_offers(orienta, person)
        say(orienta, person, "1")
        assert "C'est réservé" in say(orienta, person, "1")
    set_paused(orienta, True)
    with orienta.sessions.begin() as session:
        contact = _contact(orienta, session)
        assert not policy.may_start(contact)
        assert policy.reachable_identity(session, contact) is None
        assert orienta.engine.push(session, contact, [], "test:push", clock()) == 0
        payload = Outbound("sms", "", "Formation gratuite à Boffa").payload()
        added = orienta.engine.writer.to_audience(
            session, None, {"fr": payload}, "broadcast:test", clock(), clock()
        )
    assert added == 1  # the other person only
    with orienta.sessions() as session:
        paused_id = _contact(orienta, session).id
        due = sorted(set(session.scalars(select(ScheduledJob.due_at))))
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    for moment in due:  # the reminders before the slot, the follow-up after it
        if moment > clock():
            clock.advance(moment - clock() + timedelta(minutes=1))
        jobs.run_due()
    with orienta.sessions() as session:
        statuses = session.execute(select(ScheduledJob.contact_id, ScheduledJob.status)).all()
    assert {s for c, s in statuses if c == paused_id} == {"cancelled"}
    assert "done" in {s for c, s in statuses if c != paused_id}  # the other one's went
    started = {r.contact_id for r in started_rows(orienta)}
    assert started and paused_id not in started


def test_no_nudge_while_paused(orienta: Orienta, clock: FakeClock) -> None:
    for body in TO_GENDER[:4]:
        send(orienta, body)
    set_paused(orienta, True)
    clock.advance(timedelta(hours=48, minutes=1))
    assert Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).run_due() == 0
    assert started_rows(orienta) == []


def test_resuming_brings_back_the_question_the_person_was_at(
    orienta: Orienta, clock: FakeClock
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    set_paused(orienta, True)
    send(orienta, "bonjour")
    set_paused(orienta, False)
    back = send(orienta, "merci")
    assert "Nous reprenons là où vous en étiez" in back and "Vous êtes" in back
    assert PAUSED not in back
    assert "Quel âge" in send(orienta, "1")
