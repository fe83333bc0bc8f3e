"""`orienta sms-cost`: the SMS parts a complete orientation costs, step by step, per language.

A new person is walked through the whole orientation by SMS on a throw-away SQLite
database, by the real engine and the real SMS rendering, along the longest ordinary path
(every question asked, a few answers chosen at each multiple-choice step). Each reply is
counted as a handset would split it (bot/sms.py).
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
    "BUDGET",
    "FRENCH_TARGET",
    "StepCost",
    "format_report",
    "measure",
    "orientation_path",
]

# At most this many parts for a complete French orientation (issue "feature-phone SMS").
FRENCH_TARGET = 25

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


def orientation_path(lang: str) -> list[str]:
    """What a person types: greeting, language, consent, then one answer per question,
    taking the longest path (came back on their own, so "since when" is asked)."""
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


def measure(lang: str, database_dir: Path | None = None, booking: bool = False) -> list[StepCost]:
    """Every SMS Orienta sends along `orientation_path(lang)`, with its cost; with
    `booking`, only what follows the summary with the demo partners (offers, a slot, the
    confirmation, RDV)."""
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
            path = orientation_path(lang)
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
                    costs.append(StepCost(first, body, sms_cost(body)))
            return costs
        finally:
            orienta.close()


def format_report(results: dict[str, list[StepCost]], verbose: bool = True) -> Iterable[str]:
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
        target = f" (target {FRENCH_TARGET})" if lang == "fr" and not booking else ""
        ucs2 = sum(1 for c in costs if c.cost.encoding == "UCS-2")
        yield (
            f"{lang}: {len(costs)} messages, {chars} units, {total} parts{target}; "
            f"{ucs2} message(s) in UCS-2"
        )
        if verbose:
            yield ""
