"""The short confirmations shown at the top of a page after a form was saved
(`ctx.redirect(path, notice="saved")`): a fixed list, so that a link cannot make the
admin display a text of its choosing."""

from __future__ import annotations

from babel.support import LazyProxy

from admin.i18n import lazy

__all__ = ["NOTICES", "notice_text"]

NOTICES: dict[str, LazyProxy] = {
    "saved": lazy("Enregistré."),
    "signed_out": lazy("Vous êtes déconnecté."),
    "password_changed": lazy("Mot de passe changé. Vos autres sessions ont été fermées."),
    "account_created": lazy("Compte créé."),
    "account_disabled": lazy("Compte désactivé : ses sessions sont fermées."),
    "account_enabled": lazy("Compte réactivé."),
    "closed": lazy("Fermé."),
    "slots_created": lazy("Créneaux créés."),
    "attendance_saved": lazy("Présence enregistrée."),
    "paused": lazy("Le bot est en pause pour cette personne."),
    "resumed": lazy("Le bot parle de nouveau à cette personne."),
    "erased": lazy("La personne a été effacée."),
    "help_taken": lazy("Vous avez pris cette demande : le bot se tait, vous répondez."),
    "help_replied": lazy("Réponse envoyée à la personne."),
    "help_handed_back": lazy("Rendue au bot : il reprend la question où la personne en était."),
    "help_closed": lazy("Demande close."),
    "flag_resolved": lazy("Marqué comme traité."),
}


def notice_text(key: str) -> str:
    found = NOTICES.get(key)
    return str(found) if found is not None else ""
