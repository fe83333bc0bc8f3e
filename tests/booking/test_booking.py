"""Booking through the engine on SQLite and PostgreSQL: no overbooking under concurrent
transactions, partners told by SMS (fake Twilio on 127.0.0.1) or e-mail (fake SMTP
server), requests to services without slots, erasure freeing places, daily lists."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Orienta, open_orienta
from bot.booking.places import book_slot
from bot.channels.email import EmailSender
from bot.channels.gsm7 import fold_to_gsm7
from bot.channels.layout import render_plain
from bot.engine.identity import create_identity
from bot.messaging import Inbound
from bot.outbox.dispatcher import Dispatcher
from bot.scheduling.jobs import Jobs
from bot.settings import Settings
from bot.storage.models import Booking, Contact, Flag, OutboxMessage, Partner, Service, Slot
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.smtp_server import fake_smtp, port_of
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox.test_dispatcher import sender

FOCAL = "+224000000950"  # fictitious
ORIENTATION = [
    "Bonjour", "1", "oui", "Boké", "boffa", "1", "3", "2", "2", "3, 4", "1",
    "1", "2", "1 et 2", "2", "mobile money", "1", "OK",
]  # fmt: skip


def add_service(
    orienta: Orienta,
    *,
    capacity: int = 1,
    slots: int = 2,
    on_request: bool = False,
    focal_channel: str = "sms",
    focal_address: str = FOCAL,
) -> tuple[int, list[int]]:
    """A partner in Boffa smoking fish, with `slots` sessions from tomorrow 09:00."""
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        partner = Partner(
            code="TBOF1",
            name="Groupement test de Boffa",
            kind="ngo",
            focal_point="Point focal test",
            focal_channel=focal_channel,
            focal_address=focal_address,
            languages=["fr", "sus"],
            created_at=now,
        )
        session.add(partner)
        session.flush()
        service = Service(
            partner_id=partner.id,
            title={"fr": "Fumage amélioré"},
            sectors=["fishing", "credit"],
            regions=["boke"],
            prefectures=["boffa"],
            prefecture="boffa",
            place="Boffa, port",
            hours="lun-ven 9h-16h",
            on_request=on_request,
            created_at=now,
        )
        session.add(service)
        session.flush()
        ids = []
        for day in range(0 if on_request else slots):
            start = now.replace(hour=9, minute=0) + timedelta(days=1 + day)
            slot = Slot(
                service_id=service.id,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                place="Boffa, port",
                capacity=capacity,
                booked=0,
                created_at=now,
            )
            session.add(slot)
            session.flush()
            ids.append(slot.id)
        return service.id, ids


def say(orienta: Orienta, address: str, text: str) -> str:
    inbound = Inbound(channel="sms", address=address, text=text)
    return "\n\n".join(render_plain(o, "sms") for o in orienta.engine.handle(inbound))


def to_offers(orienta: Orienta, address: str) -> str:
    reply = ""
    for text in ORIENTATION:
        reply = say(orienta, address, text)
    return reply


def test_the_last_place_goes_to_one_transaction_the_other_waits_and_gets_nothing(
    orienta: Orienta,
) -> None:
    _service, (slot_id, _next) = add_service(orienta, capacity=1)
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        first = Contact(created_at=now)
        second = Contact(created_at=now)
        session.add_all([first, second])
    rng = __import__("random").Random(1)
    outcome: list[Booking | None] = []

    def take_it_too() -> None:
        with orienta.sessions.begin() as session:
            person = session.get(Contact, second.id)
            assert person is not None
            outcome.append(book_slot(session, person, slot_id, now, rng))

    with orienta.sessions.begin() as session:
        person = session.get(Contact, first.id)
        assert person is not None
        assert book_slot(session, person, slot_id, now, rng) is not None
        # The second transaction starts while the first holds the place, uncommitted.
        other = threading.Thread(target=take_it_too)
        other.start()
        other.join(0.5)
        assert other.is_alive(), "the second booking must wait for the first to finish"
    other.join(10)
    assert outcome == [None]
    with orienta.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.booked == 1
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_two_people_answering_at_once_for_the_last_place(orienta: Orienta) -> None:
    _service, (slot_id, next_slot) = add_service(orienta, capacity=1)
    people = ["+224000000201", "+224000000202"]
    for address in people:
        assert "Fumage amélioré" in to_offers(orienta, address)
        assert "Choisissez un créneau" in say(orienta, address, "1")
    barrier = threading.Barrier(2)
    replies: dict[str, str] = {}

    def answer(address: str) -> None:
        barrier.wait()
        replies[address] = say(orienta, address, "1")

    threads = [threading.Thread(target=answer, args=(a,)) for a in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    won = [a for a, r in replies.items() if "C'est réservé" in r]
    lost = [a for a, r in replies.items() if fold_to_gsm7("vient d'être prise") in r]
    assert len(won) == 1 and len(lost) == 1, replies
    # The one who lost is offered the next slot, and can take it.
    assert "Choisissez un créneau" in replies[lost[0]]
    assert "C'est réservé" in say(orienta, lost[0], "1")
    with orienta.sessions() as session:
        taken = {s.id: s.booked for s in session.scalars(select(Slot))}
        assert taken == {slot_id: 1, next_slot: 1}


def run_dispatcher(orienta: Orienta, senders: dict[str, object]) -> None:
    dispatcher = Dispatcher(orienta.sessions, senders, clock=orienta.engine.clock)  # type: ignore[arg-type]

    async def go() -> None:
        while await dispatcher.dispatch_once():
            pass
        for s in senders.values():
            await s.aclose()  # type: ignore[attr-defined]

    asyncio.run(go())


def test_the_partner_is_told_by_sms_of_a_booking_and_its_cancellation(
    orienta: Orienta,
) -> None:
    add_service(orienta, capacity=5)
    person = "+224000000203"
    to_offers(orienta, person)
    say(orienta, person, "1")
    booked = say(orienta, person, "1")
    assert "C'est réservé ! Votre code :" in booked
    with orienta.sessions() as session:
        code = session.scalars(select(Booking.code)).one()
    say(orienta, person, "RDV")
    assert "Annuler votre rendez-vous du" in say(orienta, person, "3")
    assert "est annulé" in say(orienta, person, "1")
    twilio = FakeTwilio()
    with serve(twilio.app()) as url:
        run_dispatcher(orienta, {"sms": sender(url)})
    to_partner = [a for a in twilio.accepted if a.to == FOCAL]
    assert len(to_partner) == 2
    # Queued a moment apart, sent in the same batch: their order is not guaranteed.
    (new,) = [a.body for a in to_partner if f"nouvelle réservation {code}" in a.body]
    assert "Fumage amélioré" in new and "Langue de la personne : Francais" in new  # folded to GSM-7
    assert any(f"réservation {code} est annulée" in a.body for a in to_partner)
    assert all(person not in a.body for a in to_partner)  # never the person's number


def test_the_partner_is_told_by_email_when_smtp_is_configured(
    orienta: Orienta, settings: Settings, clock: FakeClock
) -> None:
    with fake_smtp() as smtp:
        configured = replace(
            settings, smtp_host="127.0.0.1", smtp_port=port_of(smtp), smtp_starttls=False,
            smtp_from="orienta@example.org",
        )  # fmt: skip
        app = open_orienta(configured, clock=clock, run_migrations=False)
        try:
            add_service(app, capacity=5, focal_channel="email", focal_address="focal@example.org")
            person = "+224000000204"
            to_offers(app, person)
            say(app, person, "1")
            assert "C'est réservé" in say(app, person, "1")
            email_sender = EmailSender(
                host="127.0.0.1", port=port_of(smtp), user="", password="",
                sender="orienta@example.org", starttls=False,
            )  # fmt: skip
            run_dispatcher(app, {"email": email_sender})
            with app.sessions() as session:
                row = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.partner_id.is_not(None))
                ).one()
                assert row.status == "sent"
        finally:
            app.close()
    ((mail_from, to, message),) = smtp.messages
    assert to == ["focal@example.org"] and mail_from == "orienta@example.org"
    assert "nouvelle réservation" in str(message["Subject"])
    assert "Fumage amélioré" in message.get_content()


def test_a_service_taken_on_request_gives_a_code_and_tells_the_partner(
    orienta: Orienta,
) -> None:
    add_service(orienta, on_request=True)
    person = "+224000000205"
    assert "Fumage amélioré" in to_offers(orienta, person)
    reply = say(orienta, person, "1")
    assert "Demande envoyée ! Votre code :" in reply
    assert "lun-ven 9h-16h" in reply and "Boffa, port" in reply
    with orienta.sessions() as session:
        booking = session.scalars(select(Booking)).one()
        assert booking.status == "requested" and booking.slot_id is None
        notice = session.scalars(
            select(OutboxMessage).where(OutboxMessage.partner_id.is_not(None))
        ).one()
        assert f"nouvelle demande {booking.code}" in notice.payload["text"]
    assert "Fumage amélioré" in say(orienta, person, "RDV")


def test_erasing_oneself_frees_the_place_and_tells_the_partner(orienta: Orienta) -> None:
    _service, (slot_id, _next) = add_service(orienta, capacity=1)
    person = "+224000000206"
    to_offers(orienta, person)
    say(orienta, person, "1")
    assert "C'est réservé" in say(orienta, person, "1")
    say(orienta, person, "EFFACER")
    assert "effacées" in say(orienta, person, "1")
    with orienta.sessions() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.booked == 0
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
        notices = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.partner_id.is_not(None))
        ).all()
        assert [("annulée" in n["text"]) for n in notices] == [False, True]


def test_nothing_fits_anywhere_the_team_is_asked_to_look(orienta: Orienta) -> None:
    reply = to_offers(orienta, "+224000000207")  # no partner at all
    assert "Nous cherchons des formations" in reply
    with orienta.sessions() as session:
        assert session.scalars(select(Booking)).first() is None
    assert "Nous cherchons" in say(orienta, "+224000000207", "RDV")


def test_partners_get_tomorrows_list_once(orienta: Orienta, clock: FakeClock) -> None:
    add_service(orienta, capacity=5)
    for n, person in enumerate(["+224000000208", "+224000000209"]):
        to_offers(orienta, person)
        say(orienta, person, "1")
        assert "C'est réservé" in say(orienta, person, "1"), n
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    assert jobs.send_daily_lists() == 0  # 09:30: not yet (the list goes from 18:00)
    clock.now = clock.now.replace(hour=18, minute=0)
    assert jobs.send_daily_lists() == 1
    assert jobs.send_daily_lists() == 0  # once a day
    with orienta.sessions() as session:
        (daily,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.like("daily:%"))
        ).all()
    text = daily.payload["text"]
    assert text.startswith("Orienta — vos rendez-vous du 03/11")
    assert text.count("09:00") == 2 and text.count("Fumage amélioré") == 2


def test_changing_with_no_other_slot_keeps_the_booking_and_says_so(orienta: Orienta) -> None:
    add_service(orienta, capacity=5, slots=1)
    person = "+224000000210"
    to_offers(orienta, person)
    say(orienta, person, "1")
    assert "C'est réservé" in say(orienta, person, "1")
    say(orienta, person, "RDV")
    reply = say(orienta, person, "2")  # change
    assert "Il n'y a pas d'autre créneau pour le moment" in reply
    assert "Choisissez un créneau" not in reply
    # Not stuck: nonsense gets the usual answer, RDV still shows the booking.
    assert "Votre orientation est terminée" in say(orienta, person, "blabla")
    assert "Votre rendez-vous" in say(orienta, person, "RDV")
    with orienta.sessions() as session:
        assert session.scalars(select(Booking.status)).one() == "booked"


def test_rdv_in_the_middle_of_choosing_brings_back_the_same_offers(orienta: Orienta) -> None:
    add_service(orienta, capacity=5, slots=2)
    person = "+224000000211"
    to_offers(orienta, person)
    say(orienta, person, "1")
    assert "C'est réservé" in say(orienta, person, "1")
    say(orienta, person, "MENU")
    for text in ORIENTATION[3:]:  # the orientation again (consent is not asked again)
        offers = say(orienta, person, text)
    assert "1 Fumage amélioré" in offers
    say(orienta, person, "RDV")
    back = say(orienta, person, "1")  # keep the booking
    assert "votre rendez-vous est gardé" in back and "1 Fumage amélioré" in back
    # "1" still means the first service, not a request to staff.
    assert "Choisissez un créneau" in say(orienta, person, "1")
    with orienta.sessions() as session:
        assert session.scalars(select(Flag)).first() is None


def test_asking_again_and_again_makes_one_request_to_staff(orienta: Orienta) -> None:
    person = "+224000000212"
    to_offers(orienta, person)  # nothing anywhere: staff are asked
    for _ in range(3):
        assert "Nous cherchons" in say(orienta, person, "RDV")
    with orienta.sessions() as session:
        assert [f.kind for f in session.scalars(select(Flag))] == ["referral_request"]


def test_a_partner_is_not_texted_at_night(orienta: Orienta, clock: FakeClock) -> None:
    add_service(orienta, capacity=5)
    clock.now = clock.now.replace(hour=22, minute=15)  # booked at 22:15
    person = "+224000000213"
    to_offers(orienta, person)
    say(orienta, person, "1")
    assert "C'est réservé" in say(orienta, person, "1")
    with orienta.sessions() as session:
        notice = session.scalars(
            select(OutboxMessage).where(OutboxMessage.partner_id.is_not(None))
        ).one()
    assert notice.due_at == (clock.now + timedelta(days=1)).replace(hour=7, minute=0)


def test_a_withdrawn_service_cannot_be_booked_from_a_list_shown_before(
    orienta: Orienta,
) -> None:
    add_service(orienta, capacity=5)
    person = "+224000000214"
    to_offers(orienta, person)
    assert "Choisissez un créneau" in say(orienta, person, "1")
    with orienta.sessions.begin() as session:
        session.scalars(select(Service)).one().active = False
    reply = say(orienta, person, "1")
    assert "C'est réservé" not in reply
    with orienta.sessions() as session:
        assert session.scalars(select(Booking)).first() is None


def test_a_test_person_books_without_taking_a_place_or_telling_the_partner(
    orienta: Orienta,
) -> None:
    """The admin simulator's test people (`Contact.test`) book as anyone does, but the
    place stays free for a real person and no partner hears of it."""
    _service, (slot_id, _next) = add_service(orienta, capacity=1)
    tester = "staff-public-id:sms"  # the simulator's address on its channel
    with orienta.sessions.begin() as session:
        key = orienta.settings.identity_key
        create_identity(session, key, "sim_sms", tester, orienta.engine.clock(), test=True)

    def as_tester(text: str) -> str:
        replies = orienta.engine.handle(Inbound(channel="sim_sms", address=tester, text=text))
        return "\n\n".join(render_plain(o, "sim_sms") for o in replies)

    for text in ORIENTATION:
        as_tester(text)
    as_tester("1")
    assert "C'est réservé" in as_tester("1")
    # A real person still gets the one place; the test person keeps their booking.
    real = "+224000000215"
    to_offers(orienta, real)
    say(orienta, real, "1")
    assert "C'est réservé" in say(orienta, real, "1")
    as_tester("RDV")
    as_tester("3")
    assert "est annulé" in as_tester("1")
    with orienta.sessions() as session:
        assert session.get_one(Slot, slot_id).booked == 1  # the real person's
        statuses = session.execute(select(Contact.test, Booking.status).join(Booking)).all()
        assert sorted(statuses) == [(False, "booked"), (True, "cancelled")]
        notices = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.partner_id.is_not(None))
        ).all()
        assert len(notices) == 1  # the real booking's
