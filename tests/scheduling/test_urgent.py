"""Nobody waits unseen (bot/scheduling/urgent.py), on SQLite and PostgreSQL with a
controlled clock: an urgent request nobody took tells each person on duty at the
configured time and again at the interval, stops once taken, never for a handoff or a
test person, says nothing of the person; the SMS reaches a fake Twilio and the e-mail a
fake SMTP server; and, through the real app, the time from an urgent webhook to the
on-duty SMS at the provider."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import Orienta, open_orienta
from bot.channels.email import EmailSender
from bot.engine import help as episodes
from bot.messaging import Inbound
from bot.outbox.writer import OutboxWriter
from bot.scheduling.jobs import Jobs
from bot.scheduling.urgent import notify_untaken
from bot.settings import Settings
from bot.storage.models import Contact, HelpEpisode, OutboxMessage
from bot.web import create_app
from tests.booking.test_booking import run_dispatcher
from tests.conftest import FakeClock
from tests.fakes.servers import http, serve
from tests.fakes.smtp_server import fake_smtp, port_of
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.outbox.test_dispatcher import sender

PERSON = "+224000000401"  # fictitious, as every number here
OTHER = "+224000000402"
DUTY_A = "+224000000960"
DUTY_B = "+224000000961"
DUTY_MAIL = "permanence@example.org"
PUBLIC = "https://orienta.example.org"


def on_duty(settings: Settings, *recipients: tuple[str, str]) -> Settings:
    return replace(
        settings,
        on_duty=recipients or (("sms", DUTY_A), ("sms", DUTY_B)),
        public_base_url=PUBLIC,
    )


def send(orienta: Orienta, text: str, address: str = PERSON) -> str:
    replies = orienta.engine.handle(Inbound(channel="sms", address=address, text=text))
    return "\n".join(r.text for r in replies)


def jobs(orienta: Orienta, clock: FakeClock, settings: Settings | None = None) -> Jobs:
    return Jobs(orienta.sessions, orienta.engine, settings or on_duty(orienta.settings), clock)


def to_staff(orienta: Orienta) -> list[OutboxMessage]:
    with orienta.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like("on-duty:%"))
            .order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def only_episode(orienta: Orienta) -> HelpEpisode:
    """The first episode opened."""
    with orienta.sessions() as session:
        found = session.scalars(select(HelpEpisode).order_by(HelpEpisode.id)).first()
        assert found is not None
        session.expunge(found)
        return found


def test_untaken_it_tells_each_person_on_duty_at_10_minutes_then_every_30(
    orienta: Orienta, clock: FakeClock
) -> None:
    assert "Votre sécurité" in send(orienta, "URGENCE")
    scheduler = jobs(orienta, clock)
    clock.advance(timedelta(minutes=9))
    assert scheduler.notify_urgent() == 0
    clock.advance(timedelta(minutes=1))  # 10 minutes
    assert scheduler.notify_urgent() == 2
    rows = to_staff(orienta)
    assert [(r.channel, r.payload["to"], r.status) for r in rows] == [
        ("sms", DUTY_A, "queued"),
        ("sms", DUTY_B, "queued"),
    ]
    assert all(r.contact_id is None and r.identity_id is None for r in rows)
    assert scheduler.notify_urgent() == 0  # the next scan: already told
    clock.advance(timedelta(minutes=29))  # 39 minutes
    assert scheduler.notify_urgent() == 0
    clock.advance(timedelta(minutes=1))  # 40 minutes
    assert scheduler.notify_urgent() == 2
    assert len(to_staff(orienta)) == 4
    episode = only_episode(orienta)
    assert (episode.notifications, episode.notified_at) == (2, clock())


def test_once_taken_nobody_is_told_again(orienta: Orienta, clock: FakeClock) -> None:
    send(orienta, "URGENCE")
    send(orienta, "URGENCE", OTHER)
    scheduler = jobs(orienta, clock)
    with orienta.sessions.begin() as session:  # one taken at once, the other later
        assert episodes.take(session, only_episode(orienta).id, "staff-a", clock())
    clock.advance(timedelta(minutes=10))
    assert scheduler.notify_urgent() == 2
    assert "une demande d'aide urgente attend" in to_staff(orienta)[0].payload["text"]
    with orienta.sessions.begin() as session:
        other = session.scalars(select(HelpEpisode).where(HelpEpisode.state == "requested"))
        assert episodes.take(session, other.one().id, "staff-b", clock())
    clock.advance(timedelta(minutes=30))
    assert scheduler.notify_urgent() == 0
    clock.advance(timedelta(hours=5))
    assert scheduler.notify_urgent() == 0
    assert len(to_staff(orienta)) == 2


def test_a_handoff_and_a_test_person_never_notify(orienta: Orienta, clock: FakeClock) -> None:
    send(orienta, "AGENT")  # to talk to someone: not urgent
    send(orienta, "URGENCE", OTHER)
    with orienta.sessions.begin() as session:
        episode = session.scalars(select(HelpEpisode).where(HelpEpisode.kind == "urgent")).one()
        session.get_one(Contact, episode.contact_id).test = True  # the simulator's
    with orienta.sessions() as session:
        assert set(session.scalars(select(HelpEpisode.kind))) == {"handoff", "urgent"}
    scheduler = jobs(orienta, clock)
    for _ in range(6):
        clock.advance(timedelta(minutes=30))
        assert scheduler.notify_urgent() == 0
    assert to_staff(orienta) == []


def test_several_waiting_make_one_message_per_person_on_duty(
    orienta: Orienta, clock: FakeClock
) -> None:
    send(orienta, "URGENCE")
    clock.advance(timedelta(minutes=5))
    send(orienta, "URGENCE", OTHER)
    scheduler = jobs(orienta, clock, on_duty(orienta.settings, ("sms", DUTY_A)))
    clock.advance(timedelta(minutes=5))  # 09:40: the first is due
    assert scheduler.notify_urgent() == 1
    clock.advance(timedelta(minutes=5))  # 09:45: the second; the first is counted again
    assert scheduler.notify_urgent() == 1
    first, second = (r.payload["text"] for r in to_staff(orienta))
    assert first.startswith("Orienta : une demande d'aide urgente attend — depuis 09:30,")
    assert second.startswith("Orienta : 2 demandes d'aide urgentes attendent — la première")
    assert "depuis 09:30" in second
    clock.advance(timedelta(minutes=29))
    assert scheduler.notify_urgent() == 0  # one rhythm for both now: 10:15
    clock.advance(timedelta(minutes=1))
    assert scheduler.notify_urgent() == 1


def test_the_message_says_nothing_of_the_person(orienta: Orienta, clock: FakeClock) -> None:
    for text in ["bonjour", "1", "1", "2", "1"]:  # language, consent, region, prefecture
        send(orienta, text)
    words = "Je suis Mariama Diallo, mon mari me frappe, appelez le 622 11 22 33"
    assert "Votre sécurité" in send(orienta, words)
    assert only_episode(orienta).category == "violence"
    clock.advance(timedelta(minutes=10))
    assert jobs(orienta, clock).notify_urgent() == 2
    text = to_staff(orienta)[0].payload["text"]
    assert text == (
        "Orienta : une demande d'aide urgente attend — depuis 09:30, personne ne l'a "
        "encore prise. À voir : https://orienta.example.org/admin/inbox"
    )
    assert not re.search(r"\d[\d ]{5,}", text)  # no phone number, the person's or any
    assert PERSON[4:] not in text.replace(" ", "")
    for word in ("Mariama", "Diallo", "mari", "frappe", "622", "violence", "viol", "trafic"):
        assert word.lower() not in text.lower()


def test_at_night_outside_office_hours_it_goes_at_once(orienta: Orienta, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 7, 23, 5, tzinfo=UTC)  # Saturday night, quiet hours
    send(orienta, "URGENCE")
    clock.advance(timedelta(minutes=10))
    assert jobs(orienta, clock).notify_urgent() == 2
    assert {r.due_at for r in to_staff(orienta)} == {clock()}  # not the next morning
    assert "depuis 23:05" in to_staff(orienta)[0].payload["text"]


def test_a_request_waiting_since_another_day_says_the_day(
    orienta: Orienta, clock: FakeClock
) -> None:
    send(orienta, "URGENCE")
    clock.advance(timedelta(days=1, minutes=1))
    assert jobs(orienta, clock).notify_urgent() == 2
    assert "depuis 02/11 09:30" in to_staff(orienta)[0].payload["text"]


def test_without_anyone_on_duty_nothing_is_written_or_marked(
    orienta: Orienta, clock: FakeClock
) -> None:
    send(orienta, "URGENCE")
    clock.advance(timedelta(minutes=10))
    assert jobs(orienta, clock, orienta.settings).notify_urgent() == 0  # ORIENTA_ON_DUTY unset
    no_smtp = on_duty(orienta.settings, ("email", DUTY_MAIL))  # and SMTP_HOST unset
    assert jobs(orienta, clock, no_smtp).notify_urgent() == 0
    assert to_staff(orienta) == []
    assert only_episode(orienta).notified_at is None  # told of as soon as someone can be


def test_two_schedulers_at_once_tell_staff_once(
    orienta: Orienta, clock: FakeClock, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers: a second round sees the first one's marks")
    send(orienta, "URGENCE")
    clock.advance(timedelta(minutes=10))
    settings = on_duty(orienta.settings)
    writer = OutboxWriter(settings)
    first = orienta.sessions()
    first.begin()
    assert notify_untaken(first, settings, writer, clock()) == 2  # not committed yet
    with orienta.sessions.begin() as second:  # the episode locked: skipped, not waited for
        assert notify_untaken(second, settings, writer, clock()) == 0
    first.commit()
    first.close()
    assert jobs(orienta, clock).notify_urgent() == 0
    assert len(to_staff(orienta)) == 2


def test_the_sms_reaches_the_person_on_duty(orienta: Orienta, clock: FakeClock) -> None:
    send(orienta, "URGENCE")
    clock.advance(timedelta(minutes=10))
    assert jobs(orienta, clock).notify_urgent() == 2
    twilio = FakeTwilio()
    with serve(twilio.app()) as url:
        run_dispatcher(orienta, {"sms": sender(url)})
    assert sorted(a.to for a in twilio.accepted) == [DUTY_A, DUTY_B]
    assert all("demande d'aide urgente attend" in a.body for a in twilio.accepted)
    assert all(PERSON not in a.body for a in twilio.accepted)
    assert {r.status for r in to_staff(orienta)} == {"sent"}


def test_the_email_reaches_the_person_on_duty(
    settings: Settings, clock: FakeClock, database_url: str
) -> None:
    with fake_smtp() as smtp:
        configured = replace(
            on_duty(settings, ("email", DUTY_MAIL)),
            smtp_host="127.0.0.1", smtp_port=port_of(smtp), smtp_starttls=False,
            smtp_from="orienta@example.org",
        )  # fmt: skip
        app = open_orienta(configured, clock=clock)
        try:
            send(app, "URGENCE")
            clock.advance(timedelta(minutes=10))
            assert jobs(app, clock, configured).notify_urgent() == 1
            email_sender = EmailSender(
                host="127.0.0.1", port=port_of(smtp), user="", password="",
                sender="orienta@example.org", starttls=False,
            )  # fmt: skip
            run_dispatcher(app, {"email": email_sender})
            assert [r.status for r in to_staff(app)] == ["sent"]
        finally:
            app.close()
    ((mail_from, to, message),) = smtp.messages
    assert to == [DUTY_MAIL] and mail_from == "orienta@example.org"
    assert str(message["Subject"]) == "Orienta : une demande d'aide urgente attend"
    assert "depuis 09:30" in message.get_content()
    assert f"{PUBLIC}/admin/inbox" in message.get_content()


# -- through the real app: from the webhook to the on-duty SMS ---------------------------


@pytest.fixture
def fake_twilio() -> Iterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio()
    with serve(twilio.app()) as url:
        yield twilio, url


@pytest.fixture
def served(
    settings: Settings, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str]
) -> Iterator[Orienta]:
    configured = replace(
        on_duty(settings, ("sms", DUTY_A)),
        urgent_notify_after_minutes=0.0,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_sms_from="+224000000900",
        twilio_api_base_url=fake_twilio[1],
    )
    orienta = open_orienta(configured, clock=clock)
    yield orienta
    orienta.close()


def test_from_an_urgent_webhook_to_the_on_duty_sms(
    served: Orienta, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str]
) -> None:
    twilio = fake_twilio[0]
    form = {"MessageSid": "SMurgent1", "From": PERSON, "Body": "Au secours", "NumMedia": "0"}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
    scheduler = Jobs(served.sessions, served.engine, served.settings, clock)
    with serve(create_app(served, dispatcher=True)) as base_url:  # as `orienta serve`
        start = time.perf_counter()
        response = http.post(base_url + path, data=form, headers={"X-Twilio-Signature": signature})
        stored = time.perf_counter()
        assert response.status_code == 200 and "Votre sécurité" in response.text
        # The scheduler's job, as its next scan runs it (the app's own first scan, at
        # start, may have been first: one message either way).
        scheduler.notify_urgent()
        queued = time.perf_counter()
        twilio.wait_until(lambda: any(a.to == DUTY_A for a in twilio.accepted), "the SMS")
        arrived = time.perf_counter()
    assert [a.to for a in twilio.accepted] == [DUTY_A]  # the person's reply went inline
    assert "demande d'aide urgente attend" in twilio.accepted[0].body
    print(
        f"\n{served.settings.database_url.split(':')[0].split('+')[0]}: "
        f"urgent webhook → on-duty SMS at the fake Twilio: {(arrived - start) * 1000:.0f} ms "
        f"(webhook answered {(stored - start) * 1000:.0f} ms, job queued it "
        f"{(queued - stored) * 1000:.0f} ms, dispatcher sent it "
        f"{(arrived - queued) * 1000:.0f} ms later; in service add the notify-after "
        f"delay and up to one scan, 30 s)"
    )
