"""Services and slots over real HTTP, on SQLite and PostgreSQL: a service made with its
French title (other languages fall back to it, marked so), edited and closed; a weekly
rule turned into its slots at local time; no slot in the past; a closed slot offered
by the bot to nobody while those booked keep their place; a partner account on its
own services only."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from admin.recurrence import weekly
from bot.app import Orienta
from bot.booking.matching import Profile
from bot.booking.offers import load_offers
from bot.booking.places import book_slot, free_slots
from bot.storage.models import AuditEntry, Booking, Contact, Service, Slot
from tests.admin.support import AdminClient, make_partner
from tests.admin.test_partners import partner
from tests.booking.test_booking import add_service, say, to_offers

SignedIn = Callable[..., AdminClient]
SERVICE = {
    "title_fr": "Couture et stylisme",
    "title_en": "Sewing and design",
    "description_fr": "Trois mois, un kit de couture à la fin.",
    "sectors": ["training", "tailoring"],
    "regions": ["conakry"],
    "prefecture": "matoto",
    "audience": "women",
    "cost_gnf": "0",
    "place": "Matoto, centre des jeunes",
    "hours": "",
}


def services(orienta: Orienta) -> list[Service]:
    with orienta.sessions() as session:
        found = session.scalars(select(Service).order_by(Service.id)).all()
        session.expunge_all()
        return list(found)


def actions(orienta: Orienta) -> list[tuple[str, str | None, dict[str, Any] | None]]:
    with orienta.sessions() as session:
        return [
            (a.action, a.target, a.after)
            for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if not a.action.startswith("sign_in")
        ]


def new_service(client: AdminClient, partner_id: int, **changes: object) -> int:
    page = f"/admin/partners/{partner_id}/services/new"
    response = client.post(page, {**SERVICE, **changes}, form_page=page)
    assert response.status_code == 303, response.text[:2000]
    return int(response.headers["location"].split("/")[-1].split("?")[0])


def test_a_service_with_its_french_title_standing_in_for_the_others(
    orienta: Orienta, signed_in: SignedIn
) -> None:
    partner_id = make_partner(orienta, "CRG")
    staff = signed_in("staff")
    form = staff.get(f"/admin/partners/{partner_id}/services/new")
    assert "Mécanique" in form.text and "Soutien psychosocial" in form.text  # the bot's keys
    offered = form.text.split("<main>", 1)[1]  # not the header's « Urgences » count
    assert "Urgence" not in offered and "Je ne sais pas encore" not in offered
    assert "Ratoma (Conakry)" in form.text and "Enregistrer" in form.text

    service_id = new_service(staff, partner_id)
    (service,) = services(orienta)
    assert service.id == service_id and service.partner_id == partner_id
    assert service.title == {"fr": "Couture et stylisme", "en": "Sewing and design"}
    assert service.sectors == ["training", "tailoring"] and service.prefecture == "matoto"
    assert service.audience == "women" and not service.on_request and service.active

    detail = staff.get(f"/admin/services/{service_id}").text
    assert detail.count("(français, à défaut)") == 3 + 4  # ff, emk, sus titles; 4 descriptions
    assert "Sewing and design" in detail and "Matoto (Conakry)" in detail
    assert "Couture et stylisme" in staff.get("/admin/services").text
    assert actions(orienta)[-1][:2] == ("service.create", str(service_id))

    no_title = staff.post(
        f"/admin/partners/{partner_id}/services/new",
        {**SERVICE, "title_fr": "  "},
        form_page=f"/admin/partners/{partner_id}/services/new",
    )
    assert no_title.status_code == 400 and len(services(orienta)) == 1


def test_editing_and_closing_a_service(orienta: Orienta, signed_in: SignedIn) -> None:
    partner_id = make_partner(orienta, "CRG")
    staff = signed_in("staff")
    service_id = new_service(staff, partner_id, regions=["kindia"], prefecture="kindia")
    edit = f"/admin/services/{service_id}/edit"
    assert 'value="Couture et stylisme"' in staff.get(edit).text
    changed = {**SERVICE, "regions": ["kindia"], "prefecture": "kindia", "title_ff": "Ɗinndol"}
    assert staff.post(edit, changed, form_page=edit).status_code == 303
    (service,) = services(orienta)
    assert service.title["ff"] == "Ɗinndol"
    with orienta.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "service.edit")).one()
        assert entry.before == {"title": {"fr": "Couture et stylisme", "en": "Sewing and design"}}
        assert entry.after == {"title": {**service.title}}

    profile = Profile(region="kindia", prefecture="kindia", gender="woman", needs=("training",))
    now = orienta.engine.clock()
    with orienta.sessions() as session:
        assert [o.service_id for o in load_offers(session, now, profile, orienta.settings)] == [
            service_id
        ]
    page = f"/admin/services/{service_id}"
    assert staff.post(page + "/close", form_page=page).status_code == 303
    with orienta.sessions() as session:
        assert load_offers(session, now, profile, orienta.settings) == []
    assert [a[0] for a in actions(orienta)] == ["service.create", "service.edit", "service.close"]


def test_six_tuesdays_at_nine_local_time(orienta: Orienta, signed_in: SignedIn) -> None:
    partner_id = make_partner(orienta, "CRG")
    staff = signed_in("staff")
    service_id = new_service(staff, partner_id)
    page = f"/admin/services/{service_id}/slots/new"
    form = staff.get(page).text
    assert 'type="date"' in form and 'type="time"' in form and 'value="120"' in form
    rule = {"date": "2026-11-03", "time": "09:00", "capacity": "10", "repeat_weeks": "6"}
    created = staff.post(page, {**rule, "duration_minutes": "120", "place": ""}, form_page=page)
    assert created.status_code == 303
    assert created.headers["location"].endswith("?notice=slots_created")
    tz = orienta.settings.tz
    with orienta.sessions() as session:
        slots = session.scalars(select(Slot).order_by(Slot.starts_at)).all()
        local = [s.starts_at.astimezone(tz) for s in slots]
        tuesdays = [(11, 3), (11, 10), (11, 17), (11, 24), (12, 1), (12, 8)]
        assert [(t.month, t.day) for t in local] == tuesdays
        assert {(t.weekday(), t.hour, t.minute) for t in local} == {(1, 9, 0)}  # Tuesday
        assert {(s.capacity, s.booked, (s.ends_at - s.starts_at).seconds) for s in slots} == {
            (10, 0, 7200)
        }
    action, _target, after = actions(orienta)[-1]
    assert action == "slot.create" and after is not None and after["count"] == 6
    # The same form sent twice makes no second copy; one slot alone when no repeat.
    staff.post(page, rule, form_page=page)
    staff.post(page, {**rule, "date": "2026-11-04", "repeat_weeks": ""}, form_page=page)
    with orienta.sessions() as session:
        assert len(session.scalars(select(Slot)).all()) == 7
    detail = staff.get(f"/admin/services/{service_id}").text
    assert "3 nov. 2026 09:00" in detail and "0 / 10" in detail


def test_a_slot_in_the_past_is_refused(orienta: Orienta, signed_in: SignedIn) -> None:
    partner_id = make_partner(orienta, "CRG")
    staff = signed_in("staff")
    page = f"/admin/services/{new_service(staff, partner_id)}/slots/new"
    # The tests' clock: Monday 2 November 2026, 09:30 in Conakry.
    for day, at in (("2026-11-01", "10:00"), ("2026-11-02", "09:00")):
        refused = staff.post(page, {"date": day, "time": at, "capacity": "5"}, form_page=page)
        assert refused.status_code == 400 and "dans le passé" in refused.text
    slip = staff.post(
        page, {"date": "2062-11-02", "time": "14:00", "capacity": "5"}, form_page=page
    )
    assert slip.status_code == 400 and "dans les deux ans" in slip.text
    assert (
        staff.post(
            page, {"date": "2026-11-02", "time": "14:00", "capacity": "5"}, form_page=page
        ).status_code
        == 303
    )


def test_weekly_keeps_the_local_time_across_a_change_of_clocks() -> None:
    paris = ZoneInfo("Europe/Paris")  # summer time ends on Sunday 25 October 2026
    starts = weekly(date(2026, 10, 20), time(9, 0), weeks=2, tz=paris)
    assert starts == [datetime(2026, 10, 20, 7, tzinfo=UTC), datetime(2026, 10, 27, 8, tzinfo=UTC)]
    assert len(weekly(date(2026, 11, 3), time(9, 0), weeks=0, tz=paris)) == 1


def test_a_closed_slot_is_offered_to_nobody_and_those_booked_keep_their_place(
    orienta: Orienta, signed_in: SignedIn
) -> None:
    service_id, (first, second) = add_service(orienta, capacity=5)  # Tuesday, Wednesday
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        contact = Contact(created_at=now)
        session.add(contact)
        session.flush()
        booking = book_slot(session, contact, first, now, random.Random(1))
        assert booking is not None
        code = booking.code
    staff = signed_in("staff")
    page = f"/admin/services/{service_id}"
    assert f'action="/admin/slots/{first}/close"' in staff.get(page).text
    assert staff.post(f"/admin/slots/{first}/close", form_page=page).status_code == 303
    assert f'action="/admin/slots/{first}/close"' not in staff.get(page).text

    with orienta.sessions() as session:
        assert [s.id for s in free_slots(session, service_id, now)] == [second]
        assert session.scalars(select(Booking).where(Booking.code == code)).one().status == "booked"
        # Nor can it be booked from a list shown before it was closed.
        assert book_slot(session, Contact(created_at=now), first, now, random.Random(2)) is None
    person = "+224000000411"
    to_offers(orienta, person)
    slots = say(orienta, person, "1")
    assert "mardi 3 novembre" not in slots and "mercredi 4 novembre" in slots
    (entry,) = [a for a in actions(orienta) if a[0] == "slot.close"]
    assert entry[1] == str(first)


def test_a_partner_account_works_on_its_own_services_only(
    orienta: Orienta, signed_in: SignedIn
) -> None:
    other_service, (other_slot, _) = add_service(orienta, capacity=5)  # partner TBOF1
    crg = signed_in("partner", partner_code="CRG")
    crg_id = partner(orienta, "CRG").id
    mine = new_service(crg, crg_id, title_fr="Accueil et écoute")
    listing = crg.get("/admin/services").text
    assert "Accueil et écoute" in listing and "Fumage amélioré" not in listing
    assert crg.get(f"/admin/services/{mine}").status_code == 200

    home = f"/admin/services/{mine}"
    for path in (
        f"/admin/services/{other_service}",
        f"/admin/services/{other_service}/edit",
        f"/admin/services/{other_service}/slots/new",
        f"/admin/partners/{partner(orienta, 'TBOF1').id}/services/new",
    ):
        refused = crg.get(path)
        assert refused.status_code == 403, path
        assert "Fumage" not in refused.text and "Boffa" not in refused.text
    for path in (
        f"/admin/services/{other_service}/close",
        f"/admin/services/{other_service}/edit",
        f"/admin/services/{other_service}/slots/new",
        f"/admin/slots/{other_slot}/close",
    ):
        data = {**SERVICE, "date": "2026-12-01", "time": "09:00", "capacity": "3"}
        assert crg.post(path, data, form_page=home).status_code == 403, path
    with orienta.sessions() as session:
        other = session.get(Service, other_service)
        assert other is not None and other.active and other.title == {"fr": "Fumage amélioré"}
        assert session.get(Slot, other_slot).closed_at is None  # type: ignore[union-attr]
        assert len(session.scalars(select(Slot)).all()) == 2
    assert crg.get("/admin/services/999999").status_code == 404
