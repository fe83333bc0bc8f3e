"""The admin's people pages over real HTTP, on both databases: finding a person by
booking code or by a number written as people write it, the profile with numbers
masked (in clear only for an admin who asks, with one audit row), pausing the bot and
what the person then gets, erasing as EFFACER does, and the roles that see none of it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, text

from bot.app import Orienta
from bot.engine.identity import find_identity
from bot.messaging import Inbound
from bot.storage.models import (
    Answer,
    AuditEntry,
    Base,
    Booking,
    Contact,
    OutboxMessage,
    Slot,
)
from tests.admin.support import AdminClient
from tests.booking.test_booking import add_service, say, to_offers

PHONE = "+224000000301"  # fictitious
LOCAL = "000 00 03 01"  # the same number, as written in Guinea
CHAT = "770004321"  # a fictitious Telegram chat id
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa
Browser = Callable[..., AdminClient]


def send(orienta: Orienta, body: str, address: str = PHONE, channel: str = "sms") -> str:
    replies = orienta.engine.handle(Inbound(channel=channel, address=address, text=body))
    return "\n".join(r.text for r in replies)


def public_id(orienta: Orienta, address: str = PHONE, channel: str = "sms") -> str:
    with orienta.sessions() as session:
        identity = find_identity(session, orienta.settings.identity_key, channel, address)
        assert identity is not None
        return identity.contact.public_id


def booked(orienta: Orienta) -> tuple[str, str]:
    """A person who went through the orientation and booked a slot: their public id
    and booking code."""
    add_service(orienta, capacity=1)
    to_offers(orienta, PHONE)
    say(orienta, PHONE, "1")
    assert "C'est réservé" in say(orienta, PHONE, "1")
    with orienta.sessions() as session:
        code = session.scalars(select(Booking.code)).one()
    return public_id(orienta), code


def audit_rows(orienta: Orienta, action: str | None = None) -> list[AuditEntry]:
    with orienta.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = session.scalars(query).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def everything(orienta: Orienta) -> str:
    with orienta.sessions() as session:
        return "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(text(f'SELECT * FROM "{table.name}"'))
        )


def no_number_in(html: str) -> None:
    for form in (PHONE, PHONE[4:], LOCAL, "000 000 301", CHAT, "77000 43 21"):
        assert form not in html, form


def test_a_person_is_found_by_booking_code_whatever_its_case_and_spaces(
    orienta: Orienta, signed_in: Browser
) -> None:
    person, code = booked(orienta)
    staff = signed_in("staff")
    typed = f" {code[:3].lower()} {code[3:]} "
    found = staff.get("/admin/people", params={"q": typed})
    assert found.status_code == 200
    assert f'href="/admin/people/{person}"' in found.text
    by_form = staff.post("/admin/people", {"q": code.lower()}, form_page="/admin/people")
    assert f'href="/admin/people/{person}"' in by_form.text
    assert "Aucune personne" in staff.get("/admin/people", params={"q": "XXXXXX"}).text
    no_number_in(found.text)


def test_a_person_is_found_by_a_number_written_locally_and_the_search_is_audited(
    orienta: Orienta, signed_in: Browser
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    send(orienta, "bonjour", address=CHAT, channel="telegram")
    person, chat_person = public_id(orienta), public_id(orienta, CHAT, "telegram")
    staff = signed_in("staff")
    found = staff.post("/admin/people", {"q": LOCAL}, form_page="/admin/people")
    assert found.status_code == 200
    assert f'href="/admin/people/{person}"' in found.text
    assert chat_person not in found.text
    no_number_in(found.text)  # not even the number typed, shown back
    assert f"/admin/people/{chat_person}" in staff.get("/admin/people", params={"q": CHAT}).text
    nobody = staff.post("/admin/people", {"q": "000 00 09 99"}, form_page="/admin/people")
    assert "Aucune personne" in nobody.text
    searches = audit_rows(orienta, "person.search")
    assert [(r.target, r.after) for r in searches] == [
        (person, {"by": "number", "found": 1}),
        (chat_person, {"by": "number", "found": 1}),
        (None, {"by": "number", "found": 0}),
    ]
    no_number_in(repr([(r.target, r.before, r.after) for r in audit_rows(orienta)]))


def test_staff_see_numbers_masked_and_cannot_unmask(orienta: Orienta, signed_in: Browser) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    send(orienta, "bonjour", address=CHAT, channel="telegram")
    staff = signed_in("staff")
    profile = staff.get(f"/admin/people/{public_id(orienta)}")
    assert profile.status_code == 200
    assert "+224 0•• •• •• 01" in profile.text
    assert "Afficher le numéro" not in profile.text
    no_number_in(profile.text)
    chat = staff.get(f"/admin/people/{public_id(orienta, CHAT, 'telegram')}")
    assert "•••••••21" in chat.text
    no_number_in(chat.text)
    refused = staff.post(f"/admin/people/{public_id(orienta)}/unmask")
    assert refused.status_code == 403
    no_number_in(refused.text)
    assert audit_rows(orienta, "person.unmask") == []


def test_an_admin_shows_the_number_and_one_audit_row_says_so(
    orienta: Orienta, signed_in: Browser
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    person = public_id(orienta)
    admin = signed_in("admin")
    path = f"/admin/people/{person}"
    masked = admin.get(path)
    assert "Afficher le numéro" in masked.text
    no_number_in(masked.text)
    shown = admin.post(f"{path}/unmask", form_page=path)
    assert shown.status_code == 200
    assert "+224 000 00 03 01" in shown.text
    [row] = audit_rows(orienta, "person.unmask")
    assert (row.target_type, row.target, row.before, row.after) == ("person", person, None, None)
    no_number_in(repr([(r.target, r.before, r.after) for r in audit_rows(orienta)]))
    no_number_in(admin.get(path).text)  # masked again on the next visit


def test_the_profile_shows_answers_bookings_and_help_in_french_and_escapes_them(
    orienta: Orienta, signed_in: Browser
) -> None:
    person, code = booked(orienta)
    assert "Votre sécurité" in say(orienta, PHONE, "mon mari me frappe")
    with orienta.sessions.begin() as session:
        contact = session.scalars(select(Contact)).one()
        session.add(
            Answer(
                contact_id=contact.id,
                field="<b>note</b>",
                value="<script>alert(1)</script>",
                updated_at=orienta.engine.clock(),
            )
        )
    page = signed_in("staff").get(f"/admin/people/{person}").text
    for shown in (
        "Français",
        "SMS",
        "donné",
        "Boké — Boffa",
        "Une femme",
        "Pêche, fumage du poisson",
        "Créer/développer une activité, Crédit et épargne",
        code,
        "Fumage amélioré",
        "réservé",
        "aide urgente — violence",
        "en attente",
    ):
        assert shown in page, shown
    assert "mon mari" not in page  # what they wrote is not kept, nor shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == page.count('<script src="/admin/static/inbox.js"')
    assert "&lt;b&gt;note&lt;/b&gt;" in page
    assert "style=" not in page  # the policy allows no inline style


def test_pausing_stops_the_orientation_until_staff_resume(
    orienta: Orienta, signed_in: Browser
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    person = public_id(orienta)
    staff = signed_in("staff")
    path = f"/admin/people/{person}"
    paused = staff.post(f"{path}/pause", form_page=path)
    assert paused.status_code == 303
    assert paused.headers["location"] == f"{path}?notice=paused"
    page = staff.get(paused.headers["location"]).text
    assert "Le bot est en pause pour cette personne" in page and "Reprendre le bot" in page
    reply = send(orienta, "1")
    assert "Une personne de l'équipe d'Orienta vous répondra" in reply
    assert "Quel âge" not in reply
    assert "Votre sécurité" in send(orienta, "au secours on veut me tuer")
    assert "vous ne recevrez plus de messages" in send(orienta, "STOP")
    resumed = staff.post(f"{path}/resume", form_page=path)
    assert resumed.headers["location"] == f"{path}?notice=resumed"
    assert "Mettre le bot en pause" in staff.get(path).text
    assert [(r.action, r.target) for r in audit_rows(orienta) if r.target == person] == [
        ("person.pause", person),
        ("person.resume", person),
    ]


def test_erasing_from_the_admin_is_effacer(orienta: Orienta, signed_in: Browser) -> None:
    person, code = booked(orienta)
    staff = signed_in("staff")
    path = f"/admin/people/{person}"
    confirm = staff.get(f"{path}/erase")
    assert confirm.status_code == 200
    assert "C'est définitif" in confirm.text and "1 rendez-vous" in confirm.text
    no_number_in(confirm.text)
    unconfirmed = staff.post(f"{path}/erase", {}, form_page=f"{path}/erase")
    assert unconfirmed.status_code == 400
    assert staff.get(path).status_code == 200  # nothing erased
    erased = staff.post(f"{path}/erase", {"confirm": "yes"}, form_page=f"{path}/erase")
    assert erased.status_code == 303
    assert erased.headers["location"] == "/admin/people?notice=erased"
    assert "La personne a été effacée" in staff.get(erased.headers["location"]).text
    assert staff.get(path).status_code == 404
    assert "Aucune personne" in staff.get("/admin/people", params={"q": code}).text
    with orienta.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
        assert all(slot.booked == 0 for slot in session.scalars(select(Slot)))
        notices = session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.partner_id.is_not(None))
        ).all()
        assert [("annulée" in n["text"]) for n in notices] == [False, True]  # partner told
    dump = everything(orienta)
    assert PHONE not in dump
    [row] = audit_rows(orienta, "person.erase")
    assert (row.target_type, row.target, row.before, row.after) == ("person", person, None, None)
    # The person writes again: a stranger, from the start.
    assert "Bienvenue sur Orienta" in send(orienta, "bonjour")


def test_an_unknown_person_is_404(signed_in: Browser) -> None:
    staff = signed_in("staff")
    assert staff.get("/admin/people/0123456789abcdef0123456789abcdef").status_code == 404
    assert staff.get("/admin/people/nobody/erase").status_code == 404


def test_partners_coordinators_and_viewers_never_see_people(
    orienta: Orienta, signed_in: Browser
) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    person = public_id(orienta)
    path = f"/admin/people/{person}"
    for role in ("partner", "coordinator", "viewer"):
        browser = signed_in(role)
        assert 'href="/admin/people"' not in browser.get("/admin/").text
        for url in ("/admin/people", f"/admin/people?q={LOCAL}", path, f"{path}/erase"):
            refused = browser.get(url)
            assert refused.status_code == 403, (role, url)
            assert person not in refused.text and "Boké" not in refused.text
        for url in ("/admin/people", f"{path}/unmask", f"{path}/pause", f"{path}/resume"):
            assert browser.post(url, {"q": LOCAL}).status_code == 403, (role, url)
        assert browser.post(f"{path}/erase", {"confirm": "yes"}).status_code == 403
    with orienta.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.paused_at is None  # nothing they posted did anything
    assert audit_rows(orienta, "person.search") == []
