"""Honest places (bot/booking/geography.py, offer_lines.py): "près de chez vous" only in
the person's prefecture, the place named otherwise, a service beyond their region said
to be so, and its first slot far enough ahead to travel there."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.app import Orienta, open_orienta
from bot.booking.geography import distance, lead_time
from bot.booking.offer_lines import offer_label
from bot.flows.orientation import ORIENTATION
from bot.settings import Settings
from bot.storage.models import Partner, Service
from tests.booking.test_booking import add_service, say, to_offers
from tests.conftest import FakeClock


def test_how_far_a_service_is_from_a_person() -> None:
    assert distance("kindia", "dubreka", "dubreka", ["kindia"]) == "prefecture"
    assert distance("kindia", "dubreka", "kindia", ["kindia"]) == "region"
    assert distance("kindia", "dubreka", "dalaba", ["mamou", "kindia"]) == "nearby"
    # Where it is unknown, it is never next door: in their region if it serves it.
    assert distance("kindia", "dubreka", None, ["kindia"]) == "region"
    assert distance("kindia", "dubreka", None, ["mamou"]) == "nearby"
    assert distance(None, None, "dalaba", ["mamou"]) is None


def test_time_to_travel_before_the_first_slot(settings: Settings) -> None:
    assert lead_time("prefecture", settings) == timedelta(hours=2)
    assert lead_time("region", settings) == timedelta(hours=48)
    assert lead_time("nearby", settings) == timedelta(hours=72)
    assert lead_time(None, settings) == timedelta(hours=2)
    shorter = replace(settings, lead_hours_other_prefecture=0, lead_hours_other_region=24)
    assert lead_time("region", shorter) == timedelta(hours=2)  # never under the notice
    assert lead_time("nearby", shorter) == timedelta(hours=24)


def label(prefecture: str | None, regions: list[str], where: str, region: str = "") -> str:
    service = Service(
        title={"fr": "Apiculture"},
        prefecture=prefecture,
        regions=regions,
        cost_gnf=0,
        partner=Partner(name="ONG test"),
    )
    why = {"trades": ["beekeeping"], "needs": [], "where": where, "region": region}
    return offer_label(ORIENTATION, service, why, "fr")


def test_an_offer_says_where_it_is() -> None:
    assert label("dubreka", ["kindia"], "prefecture").endswith("; près de chez vous")
    assert label("kindia", ["kindia"], "region").endswith("; à Kindia")
    assert label(None, ["kindia"], "region").endswith("; dans votre région")
    far = "; à Dalaba, région de Mamou (rien de tel dans votre région)"
    assert label("dalaba", ["mamou"], "nearby").endswith(far)
    assert label("kankan", ["kankan"], "nearby").endswith(
        "; à Kankan (rien de tel dans votre région)"
    )
    assert label(None, ["mamou"], "nearby", "mamou").endswith(
        "; région de Mamou (rien de tel dans votre région)"
    )
    for text in (label("kindia", ["kindia"], "region"), label("dalaba", ["mamou"], "nearby")):
        assert "près de chez vous" not in text


def in_boke_town(orienta: Orienta) -> None:
    """The test service (bot/booking/test_booking.add_service) moved to Boké town: another
    prefecture than the person's (Boffa), in their region."""
    with orienta.sessions.begin() as session:
        session.scalars(select(Service)).one().prefecture = "boke"


def test_another_prefecture_offers_no_slot_before_the_lead_time(orienta: Orienta) -> None:
    add_service(orienta, capacity=5, slots=4)  # 09:00 tomorrow and the 3 days after
    in_boke_town(orienta)
    person = "+224000000601"
    offers = to_offers(orienta, person)
    assert "Fumage amélioré – Groupement test de Boffa, gratuit." in offers.replace(" - ", " – ")
    assert "; à Boké" in offers and "près de chez vous" not in offers
    slots = say(orienta, person, "1")  # now 09:30: 23 h 30 and 47 h 30 to the first two
    assert "mardi 3 novembre" not in slots and "mercredi 4 novembre" not in slots
    assert "jeudi 5 novembre 2026, 09:00" in slots


def test_the_lead_time_is_a_setting(settings: Settings, clock: FakeClock) -> None:
    app = open_orienta(
        replace(settings, lead_hours_other_prefecture=12), clock=clock, run_migrations=False
    )
    try:
        add_service(app, capacity=5, slots=4)
        in_boke_town(app)
        person = "+224000000602"
        to_offers(app, person)
        slots = say(app, person, "1")
        assert "mardi 3 novembre 2026, 09:00" in slots  # tomorrow, 23 h 30 from now
    finally:
        app.close()


def test_a_far_service_whose_every_slot_is_too_soon_is_not_proposed(orienta: Orienta) -> None:
    add_service(orienta, capacity=5, slots=2)  # tomorrow and the day after: under 48 h
    in_boke_town(orienta)
    assert "Nous cherchons" in to_offers(orienta, "+224000000603")
