"""Global keywords: words that work at any moment, in any language, whatever the step.

Each keyword's words are a translatable message, so translators add the words people
really use in their language; a message matches when, without accents, case or
punctuation, it is exactly one of those words.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from bot.i18n import LANGUAGES, M, Msg, translate
from bot.text import normalize

__all__ = ["Keyword", "match_keyword"]

Keyword = Literal["stop", "start", "help", "menu", "language", "erase", "urgent"]

KEYWORD_WORDS: dict[Keyword, Msg] = {
    "stop": M("keyword.stop", "STOP, ARRET, ARRÊT, ARRETER, STOPPER, DESABONNER, UNSUBSCRIBE"),
    "start": M("keyword.start", "START, REPRENDRE, DEMARRER, RESUME"),
    "help": M("keyword.help", "AIDE, AIDEZ-MOI, HELP, INFO"),
    "menu": M("keyword.menu", "MENU, RECOMMENCER, RESTART"),
    "language": M("keyword.language", "LANGUE, LANGUAGE, LANGUES"),
    "erase": M("keyword.erase", "EFFACER, EFFACE, SUPPRIMER, DELETE, ERASE"),
    "urgent": M("keyword.urgent", "URGENCE, URGENT, SOS, DANGER, EMERGENCY"),
}


@lru_cache(maxsize=1)
def _table() -> dict[str, Keyword]:
    table: dict[str, Keyword] = {}
    for keyword, msg in KEYWORD_WORDS.items():
        for lang in LANGUAGES:
            for word in translate(msg, lang).split(","):
                if normalize(word):
                    table.setdefault(normalize(word), keyword)
    return table


def match_keyword(text: str) -> Keyword | None:
    """The keyword `text` is, if it is one (`" Arrêt ! "` → "stop")."""
    text = text.strip()
    if len(text) > 40:
        return None
    words = normalize(text)
    # "S.O.S" and "S O S" are "sos"; no keyword is made of one-letter words otherwise.
    return _table().get(words) or _table().get(words.replace(" ", ""))
