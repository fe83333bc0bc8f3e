"""Steps every flow has: the engine sends people to them from any step, by keyword.

LANGUE goes to `language` and EFFACER to `erase_confirm`, then back to where the person
was; a flow registered without them is refused (bot/flows/registry.py). The orientation
asks `language` first; another flow lists both among its detached steps.
"""

from __future__ import annotations

from bot.flows.model import Option, Step
from bot.i18n.languages import languages
from bot.i18n.translate import M
from bot.types import Answers

__all__ = ["COMMON_STEP_IDS", "ERASE_STEP", "LANGUAGE_STEP", "language_options"]


def language_options(_answers: Answers) -> tuple[Option, ...]:
    """Every registered language, by its own name (bot/i18n/languages.py)."""
    return tuple(
        Option(lang.code, lang.name, synonyms=lang.synonyms, event="language_chosen")
        for lang in languages()
    )


LANGUAGE_STEP = Step(
    "language",
    M(
        "language.ask",
        "Bienvenue sur Orienta ! Welcome! Choisissez votre langue / Choose your language :",
    ),
    options=language_options,
)
ERASE_STEP = Step(
    "erase_confirm",
    M(
        "erase.ask",
        "Voulez-vous vraiment effacer toutes vos réponses et vos données ? C'est définitif.",
    ),
    options=(
        Option(
            "yes",
            M("erase.yes", "Oui, tout effacer"),
            synonyms=("oui", "yes"),
            event="erase_confirmed",
        ),
        Option(
            "no",
            M("erase.no", "Non, garder mes réponses"),
            synonyms=("non", "no"),
            event="erase_cancelled",
        ),
    ),
)
COMMON_STEP_IDS = (LANGUAGE_STEP.id, ERASE_STEP.id)
