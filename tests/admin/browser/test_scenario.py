"""The admin end to end, in chromium, as the NGO and a partner use it: an admin creates
a partner, a service for it and six weekly slots; a returnee books one through the bot
(by SMS, through the engine); the admin finds the person by the booking code, makes the
partner's account; the next morning the partner, on a phone, marks the person present."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.storage.models import Booking, Slot
from tests.admin.browser.conftest import Site
from tests.admin.support import PASSWORD, make_account
from tests.booking.test_booking import say, to_offers
from tests.conftest import FakeClock

PERSON = "+224000000812"  # fictitious
PARTNER_PASSWORD = "Boffa-poisson-fume-44"
PHONE = {"width": 360, "height": 740}


def _create_partner(site: Site, page: Page) -> None:
    site.open("/admin/partners", page)
    page.get_by_role("link", name="Nouveau partenaire").click()
    page.get_by_label("Code (3 à 16 lettres").fill("fumboffa")
    page.get_by_label("Nom", exact=True).fill("Groupement des fumeuses de Boffa")
    page.get_by_label("Type").select_option(label="ONG, association")
    page.get_by_label("Point focal (nom)").fill("Mariama (test)")
    page.get_by_label("Soussou").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_have_text("Enregistré.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupement des fumeuses de Boffa")
    expect(page.locator("dd code")).to_have_text("FUMBOFFA")  # the code, in capitals


def _create_service(page: Page) -> None:
    page.get_by_role("link", name="Nouveau service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau service")
    page.get_by_label("Titre en français").fill("Fumage amélioré du poisson")
    page.get_by_label("Description en français").fill("Fours Chorkor, trois jours.")
    page.get_by_label("Pêche, fumage du poisson").check()
    page.get_by_label("Crédit et épargne").check()
    page.get_by_label("Boké", exact=True).check()
    page.get_by_label("Où il a lieu").select_option(label="Boffa (Boké)")
    page.get_by_label("Adresse ou lieu").fill("Boffa, port de pêche")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_have_text("Enregistré.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fumage amélioré du poisson")
    expect(page.get_by_text("Aucun créneau à venir.")).to_be_visible()


def _create_slots(page: Page, first_day: str) -> None:
    page.get_by_role("link", name="Ajouter des créneaux").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveaux créneaux")
    page.get_by_label("Jour (du premier créneau)").fill(first_day)
    page.get_by_label("Heure de début (heure locale)").fill("09:00")
    page.get_by_label("Durée en minutes").fill("120")
    page.get_by_label("Places", exact=True).fill("10")
    page.get_by_label("Lieu, s'il n'est pas celui du service").fill("Boffa, port de pêche")
    page.get_by_label("Répéter chaque semaine").fill("6")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_have_text("Créneaux créés.")
    slots = page.locator("table tbody tr")
    expect(slots).to_have_count(6)
    expect(slots.first).to_contain_text("0 / 10")


def _book_through_the_bot(site: Site) -> str:
    """The person's orientation by SMS, then the first offer and its first slot."""
    offers = to_offers(site.orienta, PERSON)
    assert "Fumage amélioré du poisson" in offers, offers
    assert "Choisissez un créneau" in say(site.orienta, PERSON, "1")
    booked = say(site.orienta, PERSON, "1")
    assert "C'est réservé" in booked, booked
    with site.orienta.sessions() as session:
        code = session.scalars(select(Booking.code)).one()
    assert code in booked
    return code


def _find_the_person(site: Site, page: Page, code: str) -> None:
    site.open("/admin/people", page)
    page.get_by_label("Code de rendez-vous ou numéro de téléphone").fill(code.lower())
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="1 personne trouvée")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Personne ")).click()
    bookings = page.locator("table").filter(has_text=code)
    expect(bookings).to_contain_text("Fumage amélioré du poisson")
    expect(bookings).to_contain_text("réservé")
    expect(page.get_by_text(PERSON)).to_have_count(0)  # the number is masked


def _create_partner_account(page: Page) -> str:
    email = "mariama@fumeuses-boffa.test"
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Comptes").click()
    page.get_by_role("link", name="Nouveau compte").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Rôle").select_option(label="Partenaire")
    page.get_by_label("Partenaire (pour un compte partenaire)").select_option(
        label="Groupement des fumeuses de Boffa (FUMBOFFA)"
    )
    page.get_by_label("Premier mot de passe").fill(PARTNER_PASSWORD)
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_have_text("Compte créé.")
    return email


@pytest.mark.slow
def test_a_partner_service_and_slots_made_in_the_admin_a_booking_by_sms_attendance_marked(
    site: Site, clock: FakeClock
) -> None:
    admin = make_account(site.orienta, "admin", "coordination@ong.test", password=PASSWORD)
    page = site.page
    site.sign_in(admin)
    expect(page).to_have_url(site.url + "/admin/")
    tomorrow = (clock.now + timedelta(days=1)).astimezone(site.orienta.settings.tz).date()

    _create_partner(site, page)
    _create_service(page)
    _create_slots(page, tomorrow.isoformat())
    with site.orienta.sessions() as session:
        starts = session.scalars(select(Slot.starts_at).order_by(Slot.starts_at)).all()
    assert [s - starts[0] for s in starts] == [timedelta(weeks=n) for n in range(6)]

    code = _book_through_the_bot(site)
    _find_the_person(site, page, code)
    partner_email = _create_partner_account(page)
    site.sign_out()

    # The next morning, half an hour into the session, the partner opens the admin on
    # a phone: its bookings, and « Présent » for the person who came.
    clock.advance(timedelta(days=1))
    phone = site.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    site.sign_in(partner_email, PARTNER_PASSWORD, phone)
    expect(phone).to_have_url(site.url + "/admin/")
    menu = phone.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Personnes")).to_have_count(0)  # not for partners
    menu.get_by_role("link", name="Rendez-vous").click()
    row = phone.locator("tbody tr").filter(has_text=code)
    expect(row).to_contain_text("Fumage amélioré du poisson")
    expect(row).to_contain_text("réservé")
    row.get_by_role("button", name="Présent").click()
    expect(phone.get_by_role("status")).to_have_text("Présence enregistrée.")
    row = phone.locator("tbody tr").filter(has_text=code)
    expect(row).to_contain_text("présent")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with site.orienta.sessions() as session:
        booking = session.scalars(select(Booking).where(Booking.code == code)).one()
    assert booking.status == "attended"
    assert not site.reported.csp_violations(), site.reported.csp_violations()
    assert not site.reported.errors, site.reported.errors
