"""SMS cost: the segment counter against known vectors, GSM-7 folding, the orientation's bill."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.channels.gsm7 import fold_to_gsm7, is_gsm7, sms_cost
from bot.channels.layout import render_sms_menu
from bot.commands.sms_cost import FRENCH_TARGET, measure
from bot.i18n.languages import codes
from bot.messaging import Choice, Outbound


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("a" * 459, "GSM-7", 459, 3),
        # € and the other extension characters take two septets.
        ("€" * 80, "GSM-7", 160, 1),
        ("€" + "a" * 159, "GSM-7", 161, 2),
        ("[]{}^~|\\", "GSM-7", 16, 1),
        # An escape pair never straddles two parts: 152 septets then € opens part 2.
        ("a" * 152 + "€" + "a" * 7, "GSM-7", 161, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        # Accents GSM-7 has stay 7-bit.
        ("é" * 160, "GSM-7", 160, 1),
        ("àèéùìòÇÉ", "GSM-7", 8, 1),
        # One ê switches the whole message to UCS-2.
        ("ê", "UCS-2", 1, 1),
        ("ê" + "a" * 69, "UCS-2", 70, 1),
        ("ê" + "a" * 70, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("ê" * 135, "UCS-2", 135, 3),
        # An emoji outside the BMP is a surrogate pair (2 units), never split.
        ("👍" * 35, "UCS-2", 70, 1),
        ("a" * 66 + "👍" + "a" * 3, "UCS-2", 71, 2),
        ("a" * 66 + "👍" + "a" * 66, "UCS-2", 134, 3),
        # Pular and Susu letters are outside GSM-7.
        ("ɓ", "UCS-2", 1, 1),
        ("ɛ", "UCS-2", 1, 1),
    ],
)
def test_segment_counter(text: str, encoding: str, units: int, parts: int) -> None:
    cost = sms_cost(text)
    assert (cost.encoding, cost.units, cost.parts) == (encoding, units, parts)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vous êtes… d’accord ?", "Vous etes... d'accord ?"),
        ("« Cœur » — très sûr, ça", '" Coeur " - très sur, ca'),
        ("Île, Âge, Être, Où", "Ile, Age, Etre, Où"),
        # No-break spaces of French typography.
        ("Acceptez-vous\u00a0?", "Acceptez-vous ?"),
        # Pular in the older orthography people use in SMS; Susu ɛ ɔ as è ò.
        ("ɓe ɗum ŋari ɲaamde ƴettude", "bhe dhum ngari nyaamde y'ettude"),
        ("yimɓe musiɓɓe haɗɗe", "yimbhe musibbhe haddhe"),
        ("Ɛ nɔ", "E nò"),
        # Decomposed input (a letter then a combining accent).
        ("e\u0302te", "ete"),
        # Tone marks (Maninka ǹ, a stacked grave), without them.
        ("ǹ", "n"),
        ("à\u0300", "à"),
    ],
)
def test_folding_keeps_the_meaning_in_gsm7(text: str, folded: str) -> None:
    assert fold_to_gsm7(text) == folded
    assert is_gsm7(folded)
    assert sms_cost(folded).encoding == "GSM-7"


@pytest.mark.parametrize("text", ["𞤀𞤣𞤤𞤢𞤥 Pular", "Merci 🙏 à vous", "Привет"])
def test_text_that_must_stay_ucs2_is_left_exactly_as_written(text: str) -> None:
    """Adlam, emoji, Cyrillic: UCS-2 anyway, so nothing is folded (ê stays ê)."""
    assert fold_to_gsm7(text + " tête") == text + " tête"


def test_sms_menus_are_folded_but_whatsapp_keeps_the_accents() -> None:
    outbound = Outbound(
        "sms", "+224000000198", "Vous êtes…", choices=(Choice(1, "w", "Une femme"),)
    )
    assert render_sms_menu(outbound) == "Vous etes...\n1 Une femme"
    assert sms_cost(render_sms_menu(outbound)).parts == 1


def test_a_complete_french_orientation_fits_the_sms_target() -> None:
    """The real engine along the longest ordinary path: at most 25 parts, each step within
    its budget, all in GSM-7."""
    costs = measure("fr")
    assert costs[0].message_id == "language.ask"
    assert costs[-1].message_id == "done.message"
    assert len(costs) == 18  # the greeting and 17 answers, one reply each
    over = [(c.message_id, c.cost.parts, c.budget) for c in costs if c.cost.parts > c.budget]
    assert over == []
    assert all(c.cost.encoding == "GSM-7" for c in costs)
    assert sum(c.cost.parts for c in costs) <= FRENCH_TARGET


def test_the_french_offers_slot_and_booking_messages_fit_their_budgets() -> None:
    """After the orientation, with the demo partners: three offers with a story, the
    slots, the confirmation and RDV, each within its budget (the offers: 4 parts)."""
    costs = measure("fr", booking=True)
    assert [c.message_id for c in costs] == [
        "offers.thanks",
        "slot.ask",
        "booking.confirmed",
        "booking.show",
    ]
    over = [(c.message_id, c.cost.parts, c.budget) for c in costs if c.cost.parts > c.budget]
    assert over == []
    assert all(c.cost.encoding == "GSM-7" for c in costs)
    assert "Exemple :" in costs[0].text and "3 " in costs[0].text  # a story, three offers


def test_sms_cost_command_reports_every_language() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sms-cost"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    totals = [
        line for line in result.stdout.splitlines() if re.match(r"^[a-z]+: \d+ messages", line)
    ]
    assert [line.split(":")[0] for line in totals] == list(codes())
    french = next(line for line in totals if line.startswith("fr:"))
    parts = int(re.search(r"(\d+) parts", french).group(1))  # type: ignore[union-attr]
    assert parts <= FRENCH_TARGET
    assert "  consent.ask " in result.stdout  # the per-step table
