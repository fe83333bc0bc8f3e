"""What the booking desk says (bot/booking/desk.py): offers, confirmations, RDV, the
follow-up. The lines of the offers themselves are in offer_lines.py. Each sentence is a
message (`M(id, French)`), translated in bot/locales/.

`{reach}` is the partner with its public number when it has one (bot/booking/offers.py).
"""

from __future__ import annotations

from bot.i18n.translate import M

THANKS = M("offers.thanks", "Merci, c'est enregistré !")
STORY = M("offers.story", "Exemple : {story}")
GONE = M("offers.gone", "Cette offre n'a plus de place pour le moment.")
BOOKED = M(
    "booking.confirmed",
    "C'est réservé ! Votre code : {code}. {service} – {reach}, {when}, {place}. Montrez ce "
    "code à l'accueil. Écrivez RDV pour changer ou annuler.",
)
REQUESTED = M(
    "booking.requested",
    "Demande envoyée ! Votre code : {code}. {service} — {reach}, {place} ({hours}). "
    "Présentez ce code sur place. Écrivez RDV pour annuler.",
)
SLOT_TAKEN = M(
    "slot.taken", "Désolé, la dernière place de ce créneau vient d'être prise. Voici la suite :"
)
MOVED = M("booking.moved", "C'est changé ! Code {code} : {service}, {when}, {place}.")
SHOW = M("booking.show", "Votre rendez-vous {code} : {service}, {when}, {place}.")
KEPT = M("booking.kept", "Très bien, votre rendez-vous est gardé.")
CANCEL_CONFIRM = M("booking.cancel.confirm", "Annuler votre rendez-vous du {when} ?")
CANCEL_REQUEST_CONFIRM = M("booking.cancel.confirm_request", "Annuler votre demande {code} ?")
CANCELLED = M(
    "booking.cancelled",
    "Votre rendez-vous {code} est annulé. Écrivez RDV pour revoir les offres.",
)
NONE_YET = M(
    "booking.none_yet",
    "Vous n'avez pas encore de rendez-vous : terminez l'orientation, puis nous vous "
    "proposerons des appuis.",
)
NO_SLOT_NOW = M(
    "slot.none",
    "Il n'y a pas d'autre créneau pour le moment. Écrivez RDV dans quelques jours.",
)
ATTENDED = M(
    "followup.thanks", "Bravo, et merci de nous le dire ! Écrivez RDV pour d'autres offres."
)
MISSED = M("followup.missed", "Ce n'est pas grave. Voici d'autres créneaux :")
FOLLOWUP_INTRO = M("followup.intro", "Bonjour ! Vous aviez rendez-vous : {service}, {when}.")
