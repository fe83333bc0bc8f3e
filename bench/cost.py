"""Cost: the SMS parts of a complete orientation per language (bot/sms_cost.py walks a
new person through it with the real engine and the real SMS rendering, counting parts
as a handset splits them), and what they cost at a price per part.

The price is an assumption, not a quote: set ORIENTA_BENCH_SMS_PRICE (USD per part sent)
to the sender's contract. Only what Orienta sends is counted; what the person sends is
billed to them by their operator (a local SMS).
"""

from __future__ import annotations

import os

from bench.common import Figure, Report
from bot.commands.sms_cost import BOOKING_PATH, FRENCH_TARGET, measure, orientation_path
from bot.i18n.languages import codes

SECTION = "6. SMS cost of a complete orientation"
PRICE = float(os.environ.get("ORIENTA_BENCH_SMS_PRICE", "0.20"))


def run(report: Report) -> None:
    for lang in codes():
        costs = measure(lang)
        parts = float(sum(c.cost.parts for c in costs))
        ucs2 = sum(1 for c in costs if c.cost.encoding == "UCS-2")
        figure = Figure(
            SECTION,
            f"{lang}: parts sent ({len(costs)} SMS, {ucs2} in UCS-2)",
            parts,
            "parts",
            [parts],
        )
        if lang == "fr":
            figure.target, figure.met = f"≤ {FRENCH_TARGET}", parts <= FRENCH_TARGET
        report.add(figure)
        booking = float(sum(c.cost.parts for c in measure(lang, booking=True)))
        report.add(
            Figure(SECTION, f"{lang}: then offers, a booking and RDV", booking, "parts", [booking])
        )
        total = (parts + booking) * PRICE
        report.add(Figure(SECTION, f"{lang}: estimated cost, both", total, "USD", [total]))
    typed = len(orientation_path("fr")) + len(BOOKING_PATH)
    report.notes.append(
        f"SMS cost: at an assumed {PRICE:.2f} USD per part sent (ORIENTA_BENCH_SMS_PRICE); "
        f"the person sends {typed} SMS of their own, at their operator's local rate. "
        "Parts are deterministic: one run."
    )
