"""The booking steps that follow an orientation: proposals, slots, managing a booking
(RDV), and the follow-up "did you go?". Their options come from the database (services,
slots): each such step names a `source` and the engine provides the options.
"""

from __future__ import annotations

from bot.flows.model import Option, Step
from bot.i18n.translate import M

__all__ = ["BOOKING_STEPS", "CANCEL_STEP", "MANAGE_OPTIONS", "OFFER_EXTRAS", "SLOT_EXTRAS"]

CANCEL_STEP = "booking_cancel_confirm"
"""After "L'annuler": the desk first asks "Annuler votre rendez-vous du … ?" (with its
date), then this step's yes or no."""

# Shown after the proposals (the services themselves come first, numbered from 1).
OFFER_EXTRAS = (
    Option(
        "other",
        M("offers.other", "Autre chose : que l'équipe me contacte"),
        event="referral_requested",
        goto="done",
    ),
    Option("later", M("offers.later", "Plus tard"), synonyms=("later",), goto="later"),
)
SLOT_EXTRAS = (Option("back", M("slot.back", "Voir les autres propositions"), goto="offers"),)

BOOKING_STEPS = (
    Step(
        "offers",
        M("offers.ask", "Voici des appuis pour vous. Envoyez un numéro pour réserver :"),
        source="offers",
    ),
    Step("slot", M("slot.ask", "Choisissez un créneau :"), source="slots"),
    Step(
        "booking_manage",
        M("booking.manage.ask", "Que voulez-vous faire ?"),
        source="manage",
    ),
    Step(
        CANCEL_STEP,
        M("booking.cancel.ask", "Votre choix :"),
        options=(
            Option(
                "yes",  # the desk cancels on booking_cancel with this value only
                M("booking.cancel.yes", "Oui, l'annuler"),
                synonyms=("oui", "yes"),
                event="booking_cancel",
            ),
            Option(
                "no",
                M("booking.cancel.no", "Non, le garder"),
                synonyms=("non", "no", "garder"),
                event="booking_kept",
            ),
        ),
    ),
    Step(
        "attended",
        M("followup.ask", "Y êtes-vous allé(e) ?"),
        options=(
            Option(
                "yes",
                M("followup.yes", "Oui, j'y suis allé(e)"),
                synonyms=("oui", "yes"),
                event="booking_attended",
            ),
            Option(
                "no",
                M("followup.no", "Non, je n'ai pas pu"),
                synonyms=("non", "no"),
                event="booking_missed",
            ),
        ),
    ),
    Step(
        "booking_end",
        M("booking.end", "Écrivez RDV pour voir, changer ou annuler votre rendez-vous."),
        kind="end",
    ),
    Step(
        "later",
        M("offers.later_done", "D'accord. Écrivez RDV quand vous voulez pour revoir ces offres."),
        kind="end",
    ),
)

MANAGE_OPTIONS = {
    "keep": Option(
        "keep", M("booking.manage.keep", "Le garder"), synonyms=("garder",), event="booking_kept"
    ),
    "change": Option(
        "change",
        M("booking.manage.change", "Changer de créneau"),
        synonyms=("changer", "change"),
        event="booking_change",  # the desk goes on to the slots, if there are any
    ),
    "cancel": Option(
        "cancel",
        M("booking.manage.cancel", "L'annuler"),
        synonyms=("annuler", "cancel"),
        event="booking_cancel",
    ),
}
