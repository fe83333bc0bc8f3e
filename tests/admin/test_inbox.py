"""The inbox over real HTTP, on both databases: what needs a person, in order, with the
header's counts; the help state machine driven through the admin (two staff taking at
once, a reply reaching the fake Twilio and the fake Bot API, the bot silent while taken,
handing back, closing); stuck flags and requested bookings; the JSON counts."""

from __future__ import annotations

import html as html_module
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from bot.app import Orienta, open_orienta
from bot.booking.places import request_service
from bot.messaging import Inbound
from bot.settings import Settings
from bot.storage.models import (
    AuditEntry,
    Contact,
    Flag,
    HelpEpisode,
    OutboxMessage,
    Partner,
    Service,
    StaffUser,
)
from bot.web import create_app
from tests.admin.support import CHEAP, AdminClient, make_account
from tests.conftest import FakeClock
from tests.fakes.servers import serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

PHONE = "+224000000501"  # fictitious, as every number here
OTHER = "+224000000502"
THIRD = "+224000000503"
CHAT = "700000501"
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa
Browser = Callable[..., AdminClient]


def send(orienta: Orienta, body: str, address: str = PHONE, channel: str = "sms") -> str:
    replies = orienta.engine.handle(Inbound(channel=channel, address=address, text=body))
    return "\n".join(r.text for r in replies)


def asks_help(
    orienta: Orienta, address: str = PHONE, words: str = "mon mari me frappe", channel: str = "sms"
) -> int:
    """A person who answers the first questions, then writes `words`: their episode's id."""
    for body in TO_GENDER:
        send(orienta, body, address, channel)
    send(orienta, words, address, channel)
    with orienta.sessions() as session:
        found = session.scalars(select(HelpEpisode).order_by(HelpEpisode.id.desc())).first()
        assert found is not None, words
        return found.id


def episode(orienta: Orienta, episode_id: int) -> HelpEpisode:
    with orienta.sessions() as session:
        found = session.get(HelpEpisode, episode_id)
        assert found is not None
        session.expunge(found)
        return found


def audit(orienta: Orienta, action: str) -> list[AuditEntry]:
    with orienta.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def text(response: httpx.Response) -> str:
    """A page as read: entities decoded, French spacing as plain spaces."""
    return html_module.unescape(response.text).replace("\xa0", " ").replace("\u202f", " ")


def shown_counts(html: str) -> tuple[str, str]:
    found = re.search(
        r'data-count="urgent">([^<]*)<.*?data-count="other">([^<]*)<', html, re.DOTALL
    )
    assert found is not None, "no inbox counts in the header"
    return found.group(1), found.group(2)


def staff_id(orienta: Orienta, email: str) -> str:
    with orienta.sessions() as session:
        return session.scalars(select(StaffUser.public_id).where(StaffUser.email == email)).one()


# -- the queue ---------------------------------------------------------------------------


def test_an_urgent_message_comes_first_with_its_category_and_the_header_counts_it(
    orienta: Orienta, clock: FakeClock, signed_in: Browser
) -> None:
    handoff = asks_help(orienta, OTHER, "je veux parler à quelqu'un")
    clock.advance(timedelta(minutes=5))
    send(orienta, "bonjour", THIRD)
    with orienta.sessions.begin() as session:
        third = session.scalars(select(Contact).order_by(Contact.id.desc())).first()
        assert third is not None
        session.add(Flag(contact_id=third.id, kind="stuck", created_at=clock()))
    clock.advance(timedelta(minutes=5))
    urgent = asks_help(orienta, PHONE, "mon mari me frappe")
    # A test person of the simulator, urgent too: listed, marked, never counted.
    clock.advance(timedelta(minutes=1))
    rehearsal = asks_help(orienta, CHAT, "au secours", channel="telegram")
    with orienta.sessions.begin() as session:
        rehearsed = session.get(HelpEpisode, rehearsal)
        assert rehearsed is not None
        session.execute(update(Contact).where(Contact.id == rehearsed.contact_id).values(test=True))

    staff = signed_in("staff")
    page = staff.get("/admin/inbox")
    assert page.status_code == 200
    html = page.text
    words = text(page)
    links = re.findall(r'<p class="what"><a href="/admin(/[^"]+)">', html)
    assert links[:2] == [f"/inbox/{urgent}", f"/inbox/{rehearsal}"]  # urgent, oldest first
    assert links[2] == f"/inbox/{handoff}"  # then the rest, oldest first
    assert links[3].startswith("/people/")  # the stuck flag, five minutes younger
    assert "aide urgente — violence" in words
    assert "parler à une personne" in words
    assert "bloquée" in words
    assert html.count('class="tag test"') == 1
    assert "Boké" in words and "Français" in words and "SMS" in words and "Telegram" in words
    assert "pas encore dit" in words  # whether the number is safe: not said yet
    assert "attend depuis 11 minutes" in words
    assert PHONE not in html and PHONE[4:] not in html
    assert shown_counts(html) == ("1", "2")  # the test person's urgent call is not counted
    # On every page of someone who may see the inbox.
    assert shown_counts(staff.get("/admin/people").text) == ("1", "2")
    counts = staff.get("/admin/inbox/counts")
    assert counts.status_code == 200
    assert counts.headers["content-type"].startswith("application/json")
    assert counts.json() == {"urgent": 1, "other": 2}


def test_the_counts_are_only_for_those_who_may_see_the_inbox(
    orienta: Orienta, signed_in: Browser
) -> None:
    asks_help(orienta)
    for role in ("viewer", "coordinator", "partner"):
        html = signed_in(role).get("/admin/").text
        assert "data-inbox-counts" not in html and "inbox.js" not in html, role
    staff = signed_in("staff").get("/admin/").text
    assert 'src="/admin/static/inbox.js"' in staff and 'href="/admin/inbox"' in staff


def test_polling_the_counts_does_not_keep_a_session_alive(
    orienta: Orienta, clock: FakeClock, signed_in: Browser
) -> None:
    staff = signed_in("staff")
    idle = timedelta(minutes=orienta.settings.admin_idle_minutes)
    clock.advance(idle - timedelta(minutes=2))
    assert staff.get("/admin/inbox/counts").status_code == 200
    clock.advance(timedelta(minutes=3))  # idle since sign-in, for all the polling
    assert staff.get("/admin/inbox/counts").status_code == 303
    script = staff.get("/admin/static/inbox.js")
    assert script.status_code == 200 and "data-inbox-counts" in script.text
    assert "setInterval" in script.text and "30000" in script.text


# -- taking, replying, handing back, closing ----------------------------------------------


def test_two_staff_taking_at_once_one_wins_and_the_other_sees_who(
    orienta: Orienta, signed_in: Browser
) -> None:
    episode_id = asks_help(orienta)
    page = f"/admin/inbox/{episode_id}"
    browsers = {
        "aissatou@ong.test": signed_in("staff", email="aissatou@ong.test"),
        "mamadou@ong.test": signed_in("staff", email="mamadou@ong.test"),
    }
    tokens = {email: b.token(page) for email, b in browsers.items()}
    assert "Prendre cette demande" in text(browsers["aissatou@ong.test"].get(page))
    start = threading.Barrier(len(browsers))
    answers: dict[str, httpx.Response] = {}

    def take(email: str) -> None:
        start.wait()
        answers[email] = browsers[email].http.post(
            f"{page}/take", data={"csrf_token": tokens[email]}
        )

    threads = [threading.Thread(target=take, args=(email,)) for email in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(a.status_code for a in answers.values())
    assert statuses == [303, 409], statuses
    winner = next(e for e, a in answers.items() if a.status_code == 303)
    loser = next(e for e in browsers if e != winner)
    assert answers[winner].headers["location"] == f"{page}?notice=help_taken"
    assert "a déjà pris cette demande" in text(answers[loser])
    assert winner in text(answers[loser])
    assert episode(orienta, episode_id).taken_by == staff_id(orienta, winner)
    # The loser sees who has it, and can neither answer nor close it.
    seen = text(browsers[loser].get(page))
    assert f"Prise en charge par {winner}" in seen and "Prendre cette demande" not in seen
    refused = browsers[loser].post(f"{page}/reply", {"text": "Bonjour"}, form_page=page)
    assert refused.status_code == 409 and winner in refused.text
    refused = browsers[loser].post(f"{page}/close", {"outcome": "reached"}, form_page=page)
    assert refused.status_code == 409
    assert episode(orienta, episode_id).state == "taken"
    assert [r.actor for r in audit(orienta, "help.take")] == [staff_id(orienta, winner)]
    assert audit(orienta, "help.reply") == [] and audit(orienta, "help.close") == []
    # The queue says who has it.
    assert f"par {winner} depuis le" in text(browsers[loser].get("/admin/inbox"))
    assert shown_counts(browsers[loser].get("/admin/inbox").text) == ("0", "0")


def test_the_episode_page_shows_the_conversation_kept_since_the_call_for_help(
    orienta: Orienta, signed_in: Browser
) -> None:
    send(orienta, "bonjour")  # before the call for help: not kept
    episode_id = asks_help(orienta, words="mon mari me frappe")
    staff = signed_in("staff", email="kadiatou@ong.test")
    page = f"/admin/inbox/{episode_id}"
    staff.post(f"{page}/take", form_page=page)
    assert send(orienta, "je suis chez ma sœur <b>ce soir</b>") == ""  # taken: staff read it
    staff.post(
        f"{page}/reply", {"text": "Merci. Pouvons-nous vous appeler demain ?"}, form_page=page
    )
    shown = staff.get(page)
    assert "&lt;b&gt;ce soir&lt;/b&gt;" in shown.text and "<b>ce soir" not in shown.text
    said = text(shown).split("La conversation", 1)[1]
    person = said.index("mon mari me frappe")
    bot = said.index("Votre sécurité")
    later = said.index("je suis chez ma sœur")
    reply = said.index("Merci. Pouvons-nous vous appeler demain ?")
    assert person < bot < later < reply
    assert "kadiatou@ong.test" in said[later:reply] and "La personne" in said[:person]
    assert "Orienta (le bot)" in said[person:bot]
    assert said.count("bonjour") == 0  # what came before the call for help was not kept


def test_while_taken_the_bot_is_silent_but_stop_effacer_and_urgence_answer(
    orienta: Orienta, signed_in: Browser
) -> None:
    episode_id = asks_help(orienta)
    staff = signed_in("staff")
    page = f"/admin/inbox/{episode_id}"
    assert staff.post(f"{page}/take", form_page=page).status_code == 303
    assert send(orienta, "merci, je peux parler maintenant") == ""
    assert send(orienta, "1") == ""
    assert "suit déjà votre demande" in send(orienta, "URGENCE")
    assert "Voulez-vous vraiment effacer" in send(orienta, "EFFACER")
    assert "rien n'a été effacé" in send(orienta, "2")
    assert "vous ne recevrez plus de messages" in send(orienta, "STOP")
    # After STOP, staff may not write to them: the page says so and nothing goes.
    assert "a écrit STOP" in text(staff.get(page))
    with orienta.sessions() as session:
        before = session.scalars(select(OutboxMessage.id)).all()
    refused = staff.post(f"{page}/reply", {"text": "Êtes-vous en sécurité ?"}, form_page=page)
    assert refused.status_code == 409
    assert "la réponse n'est pas partie" in text(refused) and "a écrit STOP" in text(refused)
    assert "Êtes-vous en sécurité ?" in text(refused)  # kept in the box
    with orienta.sessions() as session:
        assert session.scalars(select(OutboxMessage.id)).all() == before
    assert audit(orienta, "help.reply") == []


def test_an_empty_or_too_long_reply_is_refused(orienta: Orienta, signed_in: Browser) -> None:
    episode_id = asks_help(orienta, words="je veux parler à quelqu'un")
    staff = signed_in("staff")
    page = f"/admin/inbox/{episode_id}"
    staff.post(f"{page}/take", form_page=page)
    empty = staff.post(f"{page}/reply", {"text": "  \n "}, form_page=page)
    assert empty.status_code == 400 and "Écrivez votre réponse" in text(empty)
    long = staff.post(f"{page}/reply", {"text": "a" * 1001}, form_page=page)
    assert long.status_code == 400 and "trop longue" in text(long)
    assert audit(orienta, "help.reply") == []


def test_a_number_said_not_safe_gets_no_reply_until_the_person_writes_again(
    orienta: Orienta, clock: FakeClock, signed_in: Browser
) -> None:
    episode_id = asks_help(orienta)
    send(orienta, "1")  # be contacted
    assert "personne ne vous écrira" in send(orienta, "4")  # not safe
    staff = signed_in("staff")
    page = f"/admin/inbox/{episode_id}"
    staff.post(f"{page}/take", form_page=page)
    shown = text(staff.get(page))
    assert "non : ne pas écrire sur ce numéro" in shown and "pas sûr" in shown
    refused = staff.post(f"{page}/reply", {"text": "Bonjour"}, form_page=page)
    assert refused.status_code == 409 and "pas sûr" in text(refused)
    clock.advance(timedelta(hours=1))
    assert send(orienta, "je peux parler maintenant") == ""
    sent = staff.post(f"{page}/reply", {"text": "Bonjour, ici Orienta."}, form_page=page)
    assert sent.status_code == 303 and sent.headers["location"].endswith("notice=help_replied")


def test_hand_back_then_the_next_message_gets_the_question_again(
    orienta: Orienta, signed_in: Browser
) -> None:
    episode_id = asks_help(orienta)
    send(orienta, "2")  # later: waiting
    staff = signed_in("staff")
    page = f"/admin/inbox/{episode_id}"
    staff.post(f"{page}/take", form_page=page)
    back = staff.post(f"{page}/hand-back", form_page=page)
    assert back.status_code == 303 and back.headers["location"].endswith("help_handed_back")
    assert episode(orienta, episode_id).state == "handed_back"
    [row] = audit(orienta, "help.hand_back")
    assert row.target == str(episode_id)
    # Still in the queue until closed, and anyone may take it again.
    assert f'href="/admin/inbox/{episode_id}"' in staff.get("/admin/inbox").text
    assert "Prendre cette demande" in text(staff.get(page))
    again = send(orienta, "bonjour")
    assert "Nous reprenons là où vous en étiez" in again and "Vous êtes" in again


def test_close_with_an_outcome_removes_it_from_the_queue(
    orienta: Orienta, signed_in: Browser
) -> None:
    episode_id = asks_help(orienta)
    staff = signed_in("staff")
    page = f"/admin/inbox/{episode_id}"
    staff.post(f"{page}/take", form_page=page)
    unknown = staff.post(f"{page}/close", {"outcome": "forgotten"}, form_page=page)
    assert unknown.status_code == 400 and episode(orienta, episode_id).state == "taken"
    closed = staff.post(f"{page}/close", {"outcome": "referred"}, form_page=page)
    assert closed.status_code == 303
    assert closed.headers["location"] == "/admin/inbox?notice=help_closed"
    assert (episode(orienta, episode_id).state, episode(orienta, episode_id).outcome) == (
        "closed",
        "referred",
    )
    [row] = audit(orienta, "help.close")
    assert row.after is not None and row.after["outcome"] == "referred"
    queue = text(staff.get("/admin/inbox?notice=help_closed"))
    assert "Demande close." in queue and f"/inbox/{episode_id}" not in queue
    assert staff.get("/admin/inbox/counts").json() == {"urgent": 0, "other": 0}
    # Its page says what came of it, and offers nothing more.
    shown = text(staff.get(page))
    assert "orientée" in shown and "Prendre cette demande" not in shown
    assert staff.post(f"{page}/take", form_page=page).status_code == 409
    assert staff.get("/admin/inbox/99999").status_code == 404


def test_a_reply_reaches_the_fake_twilio_and_the_fake_bot_api(
    live: Orienta, live_url: str, fakes: tuple[FakeTelegram, FakeTwilio]
) -> None:
    telegram, twilio = fakes
    by_sms = asks_help(live, PHONE, "on veut me tuer")
    by_telegram = asks_help(live, CHAT, "on veut me tuer", channel="telegram")
    staff = AdminClient(live_url)
    try:
        staff.sign_in(make_account(live, "staff", "fatoumata@ong.test"))
        for episode_id, words in (
            (by_sms, "Bonjour, ici Fatoumata d'Orienta. Pouvez-vous parler ?"),
            (by_telegram, "Bonjour, je suis Fatoumata {de l'ONG} : pouvez-vous parler ?"),
        ):
            page = f"/admin/inbox/{episode_id}"
            assert staff.post(f"{page}/take", form_page=page).status_code == 303
            shown = text(staff.get(page))
            assert "Elle part par" in shown
            sent = staff.post(f"{page}/reply", {"text": words}, form_page=page)
            assert sent.status_code == 303, sent.text[:500]
    finally:
        staff.close()
    twilio.wait_until(
        lambda: any(
            a.to == PHONE and a.body == "Bonjour, ici Fatoumata d'Orienta. Pouvez-vous parler ?"
            for a in twilio.accepted
        ),
        "the reply by SMS",
    )
    telegram.wait_until(
        lambda: (
            "Bonjour, je suis Fatoumata {de l'ONG} : pouvez-vous parler ?"
            in telegram.texts(int(CHAT))
        ),
        "the reply on Telegram",
    )
    rows = audit(live, "help.reply")
    assert len(rows) == 2
    assert all("Fatoumata" not in str(r.after) + str(r.before) for r in rows)


# -- stuck flags and requested bookings ---------------------------------------------------


def test_a_stuck_flag_is_marked_handled_and_a_requested_booking_links_to_bookings(
    orienta: Orienta, clock: FakeClock, signed_in: Browser
) -> None:
    send(orienta, "bonjour")
    with orienta.sessions.begin() as session:
        person = session.scalars(select(Contact)).one()
        flag = Flag(contact_id=person.id, kind="stuck", created_at=clock())
        partner = Partner(code="MICRO", name="Microcrédit (test)", kind="microfinance")
        partner.created_at = clock()
        session.add_all([flag, partner])
        session.flush()
        service = Service(partner_id=partner.id, title={"fr": "Prêt de démarrage"}, on_request=True)
        service.created_at = clock()
        session.add(service)
        session.flush()
        booking = request_service(session, person, service, clock(), random.Random(5))
        flag_id, code = flag.id, booking.code
    staff = signed_in("staff")
    queue = staff.get("/admin/inbox").text
    assert shown_counts(queue) == ("0", "2")
    assert "Prêt de démarrage" in queue and code in queue
    assert 'href="/admin/bookings?status=requested&amp;partner=MICRO"' in queue
    resolved = staff.post(f"/admin/inbox/flags/{flag_id}/resolve", form_page="/admin/inbox")
    assert resolved.headers["location"] == "/admin/inbox?notice=flag_resolved"
    with orienta.sessions() as session:
        assert session.get(Flag, flag_id).resolved_at is not None  # type: ignore[union-attr]
    [row] = audit(orienta, "flag.resolve")
    assert row.target == str(flag_id) and row.after == {"kind": "stuck", "person": person.public_id}
    assert staff.get("/admin/inbox/counts").json() == {"urgent": 0, "other": 1}
    # Once the booking is marked, it leaves the queue.
    staff.post(
        f"/admin/bookings/{code}/attendance", {"outcome": "attended"}, form_page="/admin/bookings"
    )
    assert staff.get("/admin/inbox/counts").json() == {"urgent": 0, "other": 0}
    assert "Rien n'attend" in text(staff.get("/admin/inbox"))


# -- fixtures: the app served with fake Twilio and Telegram, its dispatcher running --------


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTelegram, FakeTwilio]]:
    telegram, twilio = FakeTelegram(), FakeTwilio()
    with serve(telegram.app()) as telegram_url, serve(twilio.app()) as twilio_url:
        telegram.url, twilio.url = telegram_url, twilio_url  # type: ignore[attr-defined]
        yield telegram, twilio


@pytest.fixture
def live(
    settings: Settings, clock: FakeClock, fakes: tuple[FakeTelegram, FakeTwilio]
) -> Iterator[Orienta]:
    telegram, twilio = fakes
    configured = replace(
        settings,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret="inbox-test-secret",
        telegram_api_base_url=telegram.url,  # type: ignore[attr-defined]
        telegram_seconds_per_chat=0.0,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_sms_from="+224000000900",
        twilio_api_base_url=twilio.url,  # type: ignore[attr-defined]
    )
    orienta = open_orienta(configured, clock=clock)
    yield orienta
    orienta.close()


@pytest.fixture
def live_url(live: Orienta) -> Iterator[str]:
    with serve(create_app(live, dispatcher=True, admin_options={"hasher": CHEAP})) as url:
        yield url
