"""The simulator, driven through the admin over HTTP (SQLite and PostgreSQL): staff talk
to the very same engine as a test person, in each rendering; the replies look like each
channel; the test person takes no place, tells no partner, is counted nowhere, and
nothing of theirs reaches a provider when the dispatcher runs."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Orienta, open_orienta
from bot.channels.gsm7 import fold_to_gsm7
from bot.messaging import Inbound, Outbound
from bot.scheduling.jobs import Jobs
from bot.settings import Settings
from bot.storage.models import (
    AuditEntry,
    Booking,
    ChannelIdentity,
    Contact,
    OutboxMessage,
    ReferralArrival,
    SimulatorLine,
    Slot,
)
from tests.admin.support import AdminClient
from tests.booking.test_booking import ORIENTATION, add_service
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

RENDERINGS = ("sms", "whatsapp", "telegram")
_TAGS = re.compile(r"<[^>]+>")


def say(browser: AdminClient, text: str, rendering: str) -> None:
    response = browser.post(
        "/admin/simulator/send",
        {"text": text, "rendering": rendering},
        form_page=f"/admin/simulator?rendering={rendering}",
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"/admin/simulator?rendering={rendering}#ecrire"


def page(browser: AdminClient, rendering: str) -> str:
    response = browser.get(f"/admin/simulator?rendering={rendering}")
    assert response.status_code == 200
    return response.text


def bot_said(markup: str) -> list[str]:
    """The text of each of the bot's bubbles, as read on the page."""
    bubbles = re.findall(r'<li class="sim-bot">(.*?)</li>', markup, re.DOTALL)
    return [html.unescape(_TAGS.sub(" ", b)) for b in bubbles]


def to_offers(browser: AdminClient, rendering: str) -> str:
    for text in ORIENTATION:
        say(browser, text, rendering)
    return page(browser, rendering)


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_a_whole_orientation_reaches_the_offers_drawn_as_the_channel_draws_them(
    orienta: Orienta, signed_in: Callable[..., AdminClient], rendering: str
) -> None:
    add_service(orienta, capacity=5)
    browser = signed_in("staff")
    assert "Pas encore de message" in page(browser, rendering)
    markup = to_offers(browser, rendering)
    said = bot_said(markup)
    assert "Choisissez votre langue" in said[0]
    assert any("Fumage amélioré" in s or fold_to_gsm7("Fumage amélioré") in s for s in said)
    # What staff typed is shown too, on the person's side, in order.
    typed = re.findall(r'<li class="sim-person"><p>(.*?)</p></li>', markup)
    assert [html.unescape(t) for t in typed] == ORIENTATION
    consent = next(s for s in said if "1 Oui" in s or "1. Oui" in s or "Oui" in s)
    if rendering == "sms":  # a compact menu in the text, folded to GSM-7, parts counted
        assert re.search(r"\n1 Oui\n2 Non", consent), consent
        assert re.search(r"<small>\d+ SMS</small>", markup)
        assert '<button type="submit" name="text"' not in markup
    elif rendering == "whatsapp":  # a numbered list in the text
        assert re.search(r"\n\n1\. Oui\n2\. Non", consent), consent
        assert " SMS</small>" not in markup
        assert '<button type="submit" name="text"' not in markup
    else:  # buttons drawn under the text, each sending its number
        assert '<button type="submit" name="text" value="1">1. Oui</button>' in markup
        assert '<button type="submit" name="text" value="2">2. Non</button>' in markup
        assert "\n1. Oui" not in consent
        assert "Partager mon numéro de téléphone" in markup  # the phone keyboard, drawn
    with orienta.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.test and contact.consent == "given"
        identity = session.scalars(select(ChannelIdentity)).one()
        assert identity.channel == f"sim_{rendering}"


def test_telegram_buttons_answer_like_a_tap(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    browser = signed_in("staff")
    say(browser, "bonjour", "telegram")
    assert '<button type="submit" name="text" value="1">1. Français</button>' in page(
        browser, "telegram"
    )
    say(browser, "1", "telegram")  # what the button posts
    assert "Oui" in " ".join(bot_said(page(browser, "telegram"))[-1:])


def test_a_test_person_s_booking_takes_no_place_and_tells_no_partner(
    orienta: Orienta, signed_in: Callable[..., AdminClient], clock: FakeClock
) -> None:
    _service, (slot_id, next_slot) = add_service(orienta, capacity=1)
    browser = signed_in("staff")
    to_offers(browser, "whatsapp")
    say(browser, "1", "whatsapp")
    say(browser, "1", "whatsapp")
    assert any("C'est réservé" in s for s in bot_said(page(browser, "whatsapp")))
    with orienta.sessions() as session:
        booking = session.scalars(select(Booking)).one()
        assert booking.status == "booked" and booking.slot_id == slot_id
        assert {s.id: s.booked for s in session.scalars(select(Slot))} == {
            slot_id: 0,
            next_slot: 0,
        }
        partners = select(func.count()).where(OutboxMessage.partner_id.is_not(None))
        assert session.scalar(partners) == 0
    # The partner's list of bookings does not show it; staff's does, marked « test ».
    partner_list = signed_in("partner", partner_code="TBOF1").get("/admin/bookings").text
    assert booking.code not in partner_list
    staff_list = browser.get("/admin/bookings").text
    assert f'<code>{booking.code}</code> <span class="tag test">test</span>' in staff_list
    # The one real place is still there for a real person.
    person = "+224000000301"
    for text in ORIENTATION:
        orienta.engine.handle(Inbound(channel="sms", address=person, text=text))
    orienta.engine.handle(Inbound(channel="sms", address=person, text="1"))
    orienta.engine.handle(Inbound(channel="sms", address=person, text="1"))
    with orienta.sessions() as session:
        assert session.get_one(Slot, slot_id).booked == 1
        assert session.scalar(partners) == 1  # the real person's booking only
    # Moving and cancelling the test booking move nothing either; no partner is told.
    say(browser, "RDV", "whatsapp")
    say(browser, "2", "whatsapp")  # change
    say(browser, "1", "whatsapp")  # the next slot
    say(browser, "RDV", "whatsapp")
    say(browser, "3", "whatsapp")  # cancel
    say(browser, "1", "whatsapp")  # yes
    assert any("est annulé" in s for s in bot_said(page(browser, "whatsapp")))
    with orienta.sessions() as session:
        assert {s.id: s.booked for s in session.scalars(select(Slot))} == {
            slot_id: 1,
            next_slot: 0,
        }
        assert session.scalar(partners) == 1
    # Nor does the partners' daily list name it.
    clock.now = clock.now.replace(hour=18)
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    jobs.send_daily_lists()
    with orienta.sessions() as session:
        daily = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.idempotency_key.like("daily:%"))
        ).one()
        assert daily["text"].count("Fumage amélioré") == 1


def test_the_home_page_counts_no_test_person(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    add_service(orienta, capacity=5)
    staff = signed_in("staff")
    to_offers(staff, "sms")
    say(staff, "1", "sms")
    say(staff, "1", "sms")
    say(staff, "URGENCE", "telegram")
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        assert session.scalar(select(func.count()).select_from(Contact)) == 2
    orienta.engine.handle(Inbound(channel="sms", address="+224000000302", text="bonjour"))
    home = html.unescape(signed_in("coordinator").get("/admin/").text)
    facts = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", home))
    assert facts["Personnes"] == "1"  # the real person only
    assert facts["Ayant accepté l'orientation"] == "0"
    assert facts["Demandes d'aide ouvertes"] == "0"
    assert facts["Rendez-vous pris"] == "0"


def test_a_partner_code_typed_by_a_test_person_counts_no_arrival(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    add_service(orienta)  # its partner's code: TBOF1
    say(signed_in("staff"), "TBOF1", "sms")
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReferralArrival)) == 0


def test_nothing_of_a_test_person_reaches_a_provider_when_the_dispatcher_runs(
    orienta: Orienta, settings: Settings, clock: FakeClock, signed_in: Callable[..., AdminClient]
) -> None:
    add_service(orienta, capacity=5)
    browser = signed_in("staff", email="simulateur@orienta.test")
    for rendering in RENDERINGS:
        to_offers(browser, rendering)
        say(browser, "1", rendering)
        say(browser, "1", rendering)  # booked: reminders scheduled
    real = "+224000000303"
    orienta.engine.handle(Inbound(channel="sms", address=real, text="bonjour"))
    # The reminders come due (the slot is tomorrow at 09:00): queued on their simulator
    # channels, and shown on the page, as they would arrive on the phone.
    clock.advance(timedelta(hours=21, minutes=45))  # 07:15, the 2-hour reminder
    jobs = Jobs(orienta.sessions, orienta.engine, orienta.settings, clock)
    assert jobs.run_due() >= 3
    with orienta.sessions() as session:
        queued = session.execute(
            select(OutboxMessage.channel, OutboxMessage.status).where(
                OutboxMessage.inbound_id.is_(None), OutboxMessage.contact_id.is_not(None)
            )
        ).all()
    assert sorted(set(queued)) == [(f"sim_{r}", "queued") for r in sorted(RENDERINGS)]
    browser.sign_in("simulateur@orienta.test")  # the session ended overnight
    assert any("Rappel" in s for s in bot_said(page(browser, "telegram")))
    twilio, telegram = FakeTwilio(), FakeTelegram()
    with serve(twilio.app()) as twilio_url, serve(telegram.app()) as telegram_url:
        configured = replace(
            settings,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_sms_from="+224000000900",
            twilio_whatsapp_from="+224000000901",
            twilio_api_base_url=twilio_url,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=telegram_url,
        )
        app = open_orienta(configured, clock=clock, run_migrations=False)
        with app.sessions.begin() as session:  # one message for the real person
            contact = session.scalars(select(Contact).where(Contact.test.is_(False))).one()
            contact.consent = "given"
            app.engine.writer.to_person(
                session,
                contact,
                "test:real",
                lambda identity: [Outbound(identity.channel, identity.address, "Bonjour")],
                clock(),
            )

        async def dispatch() -> int:
            dispatcher = app.dispatcher()
            try:
                taken = 0
                while rows := await dispatcher.dispatch_once():
                    taken += rows
                return taken
            finally:
                await dispatcher.aclose()

        try:
            assert asyncio.run(dispatch()) == 1  # the real person's, and nothing else
        finally:
            app.close()
    assert [a.to for a in twilio.accepted] == [real]
    assert telegram.sent == []
    with orienta.sessions() as session:
        left = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.channel.like("sim_%"))
        ).all()
    assert set(left) <= {"replied", "queued"}  # stored, never claimed


def test_reset_starts_a_new_test_person_and_erases_the_old_one(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    browser = signed_in("staff")
    say(browser, "bonjour", "sms")
    say(browser, "bonjour", "whatsapp")
    with orienta.sessions() as session:
        before = dict(
            session.execute(select(ChannelIdentity.channel, ChannelIdentity.contact_id)).all()
        )
    response = browser.post(
        "/admin/simulator/reset", {"rendering": "sms"}, form_page="/admin/simulator"
    )
    assert response.status_code == 303
    assert "Pas encore de message" in page(browser, "sms")
    assert "Choisissez votre langue" in page(browser, "whatsapp")  # the other one stays
    say(browser, "bonjour", "sms")
    with orienta.sessions() as session:
        after = dict(
            session.execute(select(ChannelIdentity.channel, ChannelIdentity.contact_id)).all()
        )
        assert after["sim_whatsapp"] == before["sim_whatsapp"]
        assert after["sim_sms"] != before["sim_sms"]
        assert session.get(Contact, before["sim_sms"]) is None
        assert session.scalar(select(func.count()).select_from(SimulatorLine)) == 2
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("simulator.")] == [
        "simulator.send",
        "simulator.send",
        "simulator.reset",
        "simulator.send",
    ]


def test_each_staff_member_has_their_own_test_people(
    orienta: Orienta, signed_in: Callable[..., AdminClient]
) -> None:
    first, second = signed_in("staff"), signed_in("coordinator")
    say(first, "bonjour", "sms")
    assert "Pas encore de message" in page(second, "sms")
    say(second, "bonjour", "sms")
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).where(Contact.test.is_(True))) == 2
