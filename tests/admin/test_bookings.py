"""Bookings and attendance over real HTTP, on SQLite and PostgreSQL: a partner sees its
own bookings only, whatever the query asks, and never a phone number; filters by day
and status; « Présent » / « Absent » once the session has begun, one audit row each; and
a booking marked so gets no « did you go? » the day after, while the others still do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import Orienta
from bot.booking.places import cancel_booking
from bot.scheduling.jobs import Jobs
from bot.storage.models import (
    AuditEntry,
    Booking,
    Contact,
    OutboxMessage,
    Partner,
    ScheduledJob,
    Service,
    Slot,
)
from tests.admin.support import AdminClient
from tests.booking.test_booking import add_service, say, to_offers
from tests.conftest import FakeClock

SignedIn = Callable[..., AdminClient]
PEOPLE = ("+224000000421", "+224000000422")  # fictitious
FOLLOWUP = "Y êtes-vous allé(e) ?"


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)  # Conakry is UTC+0 all year


def book_through_the_bot(orienta: Orienta) -> list[str]:
    """Two people book Tuesday 3 November 09:00 at the Boffa partner (TBOF1)."""
    add_service(orienta, capacity=5, slots=1)
    for person in PEOPLE:
        to_offers(orienta, person)
        say(orienta, person, "1")
        assert "C'est réservé" in say(orienta, person, "1")
    with orienta.sessions() as session:
        return list(session.scalars(select(Booking.code).order_by(Booking.id)))


def other_partners_booking(orienta: Orienta) -> str:
    """A booking of another partner, on Thursday 5 November 14:00."""
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        partner = Partner(code="TKAN1", name="Centre de Kankan (test)", kind="ngo", created_at=now)
        session.add(partner)
        session.flush()
        service = Service(partner_id=partner.id, title={"fr": "Soudure"}, created_at=now)
        session.add(service)
        session.flush()
        slot = Slot(
            service_id=service.id,
            starts_at=at(5, 14),
            ends_at=at(5, 16),
            capacity=3,
            booked=1,
            created_at=now,
        )
        contact = Contact(created_at=now)
        session.add_all([slot, contact])
        session.flush()
        session.add(
            Booking(
                code="KAN777",
                contact_id=contact.id,
                service_id=service.id,
                slot_id=slot.id,
                status="booked",
                created_at=now,
                updated_at=now,
            )
        )
    return "KAN777"


def status_of(orienta: Orienta, code: str) -> str:
    with orienta.sessions() as session:
        return session.scalars(select(Booking.status).where(Booking.code == code)).one()


def test_a_partner_sees_its_own_bookings_only_and_never_a_phone_number(
    orienta: Orienta, signed_in: SignedIn
) -> None:
    mine = book_through_the_bot(orienta)
    theirs = other_partners_booking(orienta)
    partner = signed_in("partner", partner_code="TBOF1")
    for query in ("", "?partner=TKAN1", f"?partner={theirs}", "?status=booked"):
        page = partner.get("/admin/bookings" + query)
        assert page.status_code == 200
        assert all(code in page.text for code in mine), query
        assert theirs not in page.text and "Soudure" not in page.text, query
    text = partner.get("/admin/bookings").text
    assert "Fumage amélioré" in text and "3 nov. 2026 09:00" in text and "réservé" in text
    assert 'name="partner"' not in text  # no choosing another partner
    for phone in PEOPLE:
        assert phone not in text and phone.removeprefix("+224") not in text

    staff = signed_in("staff")
    everything = staff.get("/admin/bookings").text
    assert theirs in everything and all(code in everything for code in mine)
    only_theirs = staff.get("/admin/bookings?partner=TKAN1").text
    assert theirs in only_theirs and not any(code in only_theirs for code in mine)
    for phone in PEOPLE:
        assert phone.removeprefix("+224") not in everything
    assert signed_in("viewer").get("/admin/bookings").status_code == 403


def test_filters_by_day_and_status(orienta: Orienta, signed_in: SignedIn) -> None:
    mine = book_through_the_bot(orienta)
    theirs = other_partners_booking(orienta)
    staff = signed_in("staff")
    tuesday = staff.get("/admin/bookings?date=2026-11-03").text
    assert all(code in tuesday for code in mine) and theirs not in tuesday
    thursday = staff.get("/admin/bookings?date=2026-11-05").text
    assert theirs in thursday and not any(code in thursday for code in mine)
    assert mine[0] not in staff.get("/admin/bookings?status=cancelled").text
    assert staff.get("/admin/bookings?date=nonsense&status=<b>").status_code == 200


def test_marked_attended_the_person_is_not_asked_did_you_go(
    orienta: Orienta, signed_in: SignedIn, clock: FakeClock
) -> None:
    first, second = book_through_the_bot(orienta)
    partner = signed_in("partner", partner_code="TBOF1")
    before = partner.get("/admin/bookings").text
    assert "Présent" not in before  # not before the session has begun
    refused = partner.post(
        f"/admin/bookings/{first}/attendance", {"outcome": "attended"}, form_page="/admin/bookings"
    )
    assert refused.status_code == 400 and status_of(orienta, first) == "booked"

    clock.now = at(3, 10)  # the session has begun (and the admin's sign-in has lapsed)
    partner = signed_in("partner", partner_code="TBOF1")
    page = "/admin/bookings?date=2026-11-03"
    assert "Présent" in partner.get(page).text and "Absent" in partner.get(page).text
    marked = partner.post(
        f"/admin/bookings/{first}/attendance",
        {"outcome": "attended", "date": "2026-11-03"},
        form_page=page,
    )
    assert marked.status_code == 303
    assert marked.headers["location"] == "/admin/bookings?date=2026-11-03&notice=attendance_saved"
    assert "Présence enregistrée." in partner.get(marked.headers["location"]).text
    assert status_of(orienta, first) == "attended"
    assert "présent" in partner.get(page).text
    with orienta.sessions() as session:
        pending = session.execute(
            select(Booking.code, ScheduledJob.kind)
            .join(Booking, ScheduledJob.booking_id == Booking.id)
            .where(ScheduledJob.status == "pending")
        ).all()
    # Cancelled at once, in the marking's transaction: only the other one's is left.
    assert (first, "followup") not in pending and (second, "followup") in pending

    clock.now = at(4, 10)  # the follow-up's time, the day after
    Jobs(orienta.sessions, orienta.engine, orienta.settings, clock).run_due()
    with orienta.sessions() as session:
        asked = [
            (job.booking_id, job.status)
            for job in session.scalars(
                select(ScheduledJob)
                .where(ScheduledJob.kind == "followup")
                .order_by(ScheduledJob.id)
            )
        ]
        ids = dict(session.execute(select(Booking.code, Booking.id)).all())
    assert asked == [(ids[first], "cancelled"), (ids[second], "done")]
    with orienta.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action.like("booking.%"))).one()
    assert (entry.action, entry.target) == ("booking.attended", first)
    assert (entry.before, entry.after) == ({"status": "booked"}, {"status": "attended"})
    with orienta.sessions() as session:
        sent = session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.payload).where(
                OutboxMessage.idempotency_key.like("job:followup:%")
            )
        ).all()
    # The one not marked is asked, as before; the one marked present is not.
    assert [key.split(":")[2] for key, _ in sent] == [str(ids[second])]
    assert FOLLOWUP in sent[0][1]["text"]


def test_absent_then_corrected_and_what_cannot_be_marked(
    orienta: Orienta, signed_in: SignedIn, clock: FakeClock
) -> None:
    first, second = book_through_the_bot(orienta)
    theirs = other_partners_booking(orienta)
    clock.now = at(5, 15)  # both sessions have begun
    partner = signed_in("partner", partner_code="TBOF1")
    page = "/admin/bookings"

    def mark(code: str, outcome: str) -> int:
        url = f"/admin/bookings/{code}/attendance"
        return partner.post(url, {"outcome": outcome}, form_page=page).status_code

    assert mark(first, "missed") == 303 and status_of(orienta, first) == "missed"
    assert mark(first, "attended") == 303 and status_of(orienta, first) == "attended"
    assert mark(first, "attended") == 303  # the same again: nothing new to log
    assert mark(first, "maybe") == 400
    assert mark(theirs, "attended") == 403 and status_of(orienta, theirs) == "booked"
    assert mark("NOSUCH", "attended") == 404
    with orienta.sessions() as session:
        actions = [
            (a.action, a.target)
            for a in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("booking.%"))
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == [("booking.missed", first), ("booking.attended", first)]

    with orienta.sessions.begin() as session:
        booking = session.scalars(select(Booking).where(Booking.code == second)).one()
        cancel_booking(session, booking, clock.now)
    assert mark(second, "attended") == 400 and status_of(orienta, second) == "cancelled"
