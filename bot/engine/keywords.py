"""Global keywords: words that work at any moment, in any language, whatever the step.
(Words of danger inside a sentence are found by bot/engine/distress.py.)

Each keyword's words are a translatable message, so translators add the words people
really use in their language; a message matches when, without accents, case or
punctuation, it is exactly one of those words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from bot.flows.text import normalize
from bot.i18n.languages import codes, version
from bot.i18n.translate import M, Msg, translate

__all__ = ["Keyword", "match_keyword"]

# Polite words around a keyword: "stop svp", "aide moi merci".
_POLITE = re.compile(r"(?:^| )(?:svp|stp|merci|please|s il vous plait|s il te plait)(?= |$)")

Keyword = Literal[
    "stop",
    "start",
    "help",
    "menu",
    "language",
    "erase",
    "urgent",
    "person",
    "listen",
    "text",
    "booking",
]

KEYWORD_WORDS: dict[Keyword, Msg] = {
    "stop": M(
        "keyword.stop",
        "STOP, ARRET, ARRÊT, ARRETER, ARRÊTER, ARRETE, ARRÊTE, ARRETEZ, ARRÊTEZ, STOPPER, "
        "DESABONNER, UNSUBSCRIBE",
    ),
    "start": M("keyword.start", "START, REPRENDRE, DEMARRER, RESUME"),
    "help": M("keyword.help", "AIDE, AIDEZ-MOI, AIDE-MOI, HELP, INFO"),
    "menu": M("keyword.menu", "MENU, RECOMMENCER, RESTART"),
    "language": M("keyword.language", "LANGUE, LANGUAGE, LANGUES"),
    "erase": M("keyword.erase", "EFFACER, EFFACE, SUPPRIMER, DELETE, ERASE"),
    "urgent": M("keyword.urgent", "URGENCE, URGENT, SOS, DANGER, AU SECOURS, EMERGENCY"),
    # Talk to someone of the team (sentences saying so: bot/engine/safety.py).
    "person": M(
        "keyword.person",
        "AGENT, CONSEILLER, CONSEILLERE, CONSEILLÈRE, PARLER, HUMAIN, OPERATEUR, OPÉRATEUR, "
        "HUMAN, ADVISER, ADVISOR",
    ),
    # Recorded prompts on WhatsApp and Telegram: on, off.
    "listen": M("keyword.listen", "ÉCOUTER, ECOUTER, AUDIO, VOCAL, VOIX, LISTEN"),
    "text": M("keyword.text", "TEXTE, ÉCRIT, ECRIT, TEXT"),
    # See, change or cancel one's booking (or see the offers again).
    "booking": M(
        "keyword.booking", "RDV, RENDEZ-VOUS, RENDEZ VOUS, RESERVATION, RÉSERVATION, BOOKING"
    ),
}


@lru_cache(maxsize=1)
def _table(_languages: int) -> dict[str, Keyword]:
    """Every word of every keyword in every language (`_languages`: the registry's
    version, so that a language added later is read too)."""
    table: dict[str, Keyword] = {}
    for keyword, msg in KEYWORD_WORDS.items():
        for lang in codes():
            for word in translate(msg, lang).split(","):
                if normalize(word):
                    table.setdefault(normalize(word), keyword)
    return table


def match_keyword(text: str) -> Keyword | None:
    """The keyword `text` is, if it is one (`" Arrêt ! "` → "stop")."""
    text = text.strip()
    if len(text) > 40:
        return None
    words = _POLITE.sub("", normalize(text)).strip()
    # "S.O.S" and "S O S" are "sos"; no keyword is made of one-letter words otherwise.
    table = _table(version())
    return table.get(words) or table.get(words.replace(" ", ""))
