"""`orienta sms-cost`'s targets, in every language: a clean orientation, one with three
mistakes, and the offers, slots and confirmation with the demo partners."""

from __future__ import annotations

import pytest

from bot.commands.sms_cost import (
    BOOKING_TARGET,
    FRENCH_TARGET,
    MISTAKES,
    MISTAKES_TARGET,
    booking_parts,
    format_report,
    measure,
    orientation_path,
)
from bot.i18n.languages import codes


def parts(lang: str, **kwargs: bool) -> int:
    return sum(c.cost.parts for c in measure(lang, **kwargs))


@pytest.mark.parametrize("lang", list(codes()))
def test_a_clean_orientation_fits_its_target(lang: str) -> None:
    assert parts(lang) <= FRENCH_TARGET


@pytest.mark.parametrize("lang", list(codes()))
def test_three_mistakes_cost_little(lang: str) -> None:
    costs = measure(lang, mistakes=True)
    assert sum(c.cost.parts for c in costs) <= MISTAKES_TARGET
    # The consent text went out once, though a mistake was made right after it.
    assert [c.message_id for c in costs].count("consent.ask") == 1
    first_mistake = next(c for c in costs if c.after == "c koi")
    assert first_mistake.message_id == "reprompt.short"
    assert first_mistake.cost.parts == 1


@pytest.mark.parametrize("lang", list(codes()))
def test_the_offers_slots_and_confirmation_fit_their_target(lang: str) -> None:
    costs = measure(lang, booking=True)
    assert booking_parts(costs) <= BOOKING_TARGET, [(c.message_id, c.cost.parts) for c in costs]


def test_the_path_with_mistakes_has_three_of_them() -> None:
    clean, mistaken = orientation_path("fr"), orientation_path("fr", mistakes=True)
    assert len(mistaken) - len(clean) == 3 == sum(len(m) for m in MISTAKES.values())


def test_the_report_gives_the_figures_with_mistakes() -> None:
    lines = list(format_report({"fr": measure("fr")}, verbose=False))
    assert any(line.startswith("fr: with three mistakes: ") for line in lines)
