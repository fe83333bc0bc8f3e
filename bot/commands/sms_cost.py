"""`orienta sms-cost`: the SMS parts a complete orientation costs, step by step, per language.

A new person is walked through the whole orientation by SMS on a throw-away SQLite
database, by the real engine and the real SMS rendering, along the longest ordinary path
(every question asked, a few answers chosen at each multiple-choice step); then along
the same path with three mistakes (`MISTAKES`), as people make them. Each reply is
counted as a handset would split it (bot/channels/gsm7.py).

Targets, held by tests/commands/test_sms_cost.py in every language: the clean
orientation in `FRENCH_TARGET` parts, with three mistakes in `MISTAKES_TARGET`, and the
offers, slots and confirmation that follow, with the demo partners, in `BOOKING_TARGET`.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.channels.gsm7 import SmsCost, sms_cost
from bot.channels.layout import render_sms_menu
from bot.i18n.languages import codes, language_name
from bot.messaging import Inbound

__all__ = [
    "BOOKING_BUDGET",
    "BOOKING_TARGET",
    "BUDGET",
    "FRENCH_TARGET",
    "MISTAKES",
    "MISTAKES_TARGET",
    "StepCost",
    "format_report",
    "measure",
    "orientation_path",
]

# At most this many parts for a complete orientation (issue "feature-phone SMS"), in every
# language; with three mistakes; and the offers, slots and confirmation after it.
FRENCH_TARGET = 25
MISTAKES_TARGET = 30
BOOKING_TARGET = 9

# Three mistakes, as seen in tests: a question at consent, then two answers in a row that
# name no region (the second gets the question again). Index in the path → what is typed
# there before the right answer.
MISTAKES: dict[int, tuple[str, ...]] = {2: ("c koi",), 3: ("la bas", "pres de la mer")}

# Parts each reply may take; the report marks any step over its budget.
BUDGET: dict[str, int] = {
    "language.ask": 1,
    "consent.ask": 2,
    "needs.ask": 2,
    "interests.ask": 3,
    "money.obstacles.ask": 2,
    "summary.ask": 3,
    "done.message": 1,
}
DEFAULT_BUDGET = 1


def orientation_path(lang: str, mistakes: bool = False) -> list[str]:
    """What a person types: greeting, language, consent, then one answer per question,
    taking the longest path (came back on their own, so "since when" is asked); with
    `mistakes`, the three of MISTAKES on the way."""
    path = _clean_path(lang)
    if not mistakes:
        return path
    return [typed for n, answer in enumerate(path) for typed in (*MISTAKES.get(n, ()), answer)]


def _clean_path(lang: str) -> list[str]:
    number = list(codes()).index(lang) + 1
    return [
        "bonjour",
        str(number),  # language
        "1",  # consent: yes
        "2",  # region: Boké
        "1",  # prefecture: Boffa
        "1",  # gender
        "3",  # age: 25-34
        "2",  # came back on their own
        "2",  # since: 3-12 months
        "1,3,4",  # needs: training, activity, credit
        "1,6",  # interests: fishing, solar
        "1",  # savings group: yes, now
        "3",  # microcredit: never
        "1,3",  # obstacles: guarantee, fear of debt
        "1",  # who decides: self
        "2",  # save: mobile money
        "2",  # borrow: microfinance
        "1",  # summary: confirm
    ]


@dataclass(frozen=True)
class StepCost:
    message_id: str
    text: str
    cost: SmsCost
    after: str = ""
    """What the person had just sent."""

    @property
    def budget(self) -> int:
        return {**BUDGET, **BOOKING_BUDGET}.get(self.message_id, DEFAULT_BUDGET)


# After the orientation, with the demo partners: the offers, a slot, the confirmation, RDV.
BOOKING_PATH = ["1", "1", "RDV"]
BOOKING_BUDGET: dict[str, int] = {
    "offers.thanks": 4,
    "slot.ask": 2,
    "booking.confirmed": 2,
    "booking.show": 2,
}


def measure(
    lang: str, database_dir: Path | None = None, booking: bool = False, mistakes: bool = False
) -> list[StepCost]:
    """Every SMS Orienta sends along `orientation_path(lang, mistakes)`, with its cost;
    with `booking`, only what follows the summary with the demo partners (offers, a
    slot, the confirmation, RDV)."""
    from bot.app import open_orienta
    from bot.booking.demo import seed_demo
    from bot.settings import load_settings

    with tempfile.TemporaryDirectory(dir=database_dir) as tmp:
        settings = load_settings(
            environ={
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'sms-cost.db'}",
                "ORIENTA_VAR_DIR": tmp,
                "SECRET_KEY": "sms-cost",
                "IDENTITY_KEY": "sms-cost",
                "HOTLINE_NUMBERS": "Croix-Rouge=+224 600 00 00 00",
            },
            env_file=None,
        )
        orienta = open_orienta(settings)
        try:
            costs = []
            address = "+224000000199"  # fictitious: +224 000 is assigned to nobody
            path = orientation_path(lang, mistakes)
            if booking:
                with orienta.sessions.begin() as session:
                    seed_demo(session, orienta.engine.clock(), settings.tz)
                path = path + BOOKING_PATH
            for n, text in enumerate(path):
                inbound = Inbound("sms", address, text, provider_id=uuid.uuid4().hex)
                outbounds = orienta.engine.handle(inbound)
                if booking and n < len(path) - len(BOOKING_PATH) - 1:
                    continue  # the orientation itself is measured without --booking
                for outbound in outbounds:
                    body = render_sms_menu(outbound)
                    first = outbound.message_ids[0] if outbound.message_ids else "?"
                    costs.append(StepCost(first, body, sms_cost(body), after=text))
            return costs
        finally:
            orienta.close()


def booking_parts(costs: list[StepCost]) -> int:
    """Parts of the offers, slots and confirmation in a `measure(..., booking=True)`
    (what answers RDV, the booking shown again, is not part of booking)."""
    return sum(c.cost.parts for c in costs if c.after.strip().upper() != "RDV")


def format_report(
    results: dict[str, list[StepCost]],
    verbose: bool = True,
    with_mistakes: dict[str, list[StepCost]] | None = None,
) -> Iterable[str]:
    """The per-step table and totals of each language; after an orientation, the same
    with three mistakes (`with_mistakes`, measured here when not given)."""
    for lang, costs in results.items():
        total = sum(c.cost.parts for c in costs)
        chars = sum(c.cost.units for c in costs)
        if verbose:
            yield f"{lang} ({language_name(lang)})"
            yield f"  {'step':<28} {'encoding':<8} {'units':>5} {'parts':>5} {'budget':>6}"
            for c in costs:
                mark = "  over budget" if c.cost.parts > c.budget else ""
                yield (
                    f"  {c.message_id:<28} {c.cost.encoding:<8} {c.cost.units:>5} "
                    f"{c.cost.parts:>5} {c.budget:>6}{mark}"
                )
        booking = any(c.message_id in BOOKING_BUDGET for c in costs)
        target = f" (target {FRENCH_TARGET})" if not booking else ""
        ucs2 = sum(1 for c in costs if c.cost.encoding == "UCS-2")
        yield (
            f"{lang}: {len(costs)} messages, {chars} units, {total} parts{target}; "
            f"{ucs2} message(s) in UCS-2"
        )
        if booking:
            yield (
                f"{lang}: offers, slots and confirmation: {booking_parts(costs)} parts "
                f"(target {BOOKING_TARGET})"
            )
        else:
            mistaken = (with_mistakes or {}).get(lang) or measure(lang, mistakes=True)
            parts = sum(c.cost.parts for c in mistaken)
            yield f"{lang}: with three mistakes: {parts} parts (target {MISTAKES_TARGET})"
        if verbose:
            yield ""
