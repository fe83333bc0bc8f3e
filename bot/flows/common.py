"""Steps every flow has: the engine sends people to them from any step.

LANGUE goes to `language` and EFFACER to `erase_confirm`, then back to where the person
was. A call for help (bot/engine/safety.py) goes to the help steps: what the person wants
now (be contacted, go on later, go on now), whether their phone is safe to use, and the
wait, from which SUITE takes them back. A flow registered without these steps is refused
(bot/flows/registry.py). The orientation asks `language` first; another flow lists
`COMMON_STEPS` among its detached steps.
"""

from __future__ import annotations

from bot.flows.model import Option, Step
from bot.i18n.languages import languages
from bot.i18n.translate import M, Msg
from bot.types import Answers

__all__ = [
    "COMMON_STEPS",
    "COMMON_STEP_IDS",
    "ERASE_STEP",
    "HELP_STEPS",
    "HELP_STEP_IDS",
    "LANGUAGE_STEP",
    "language_options",
]


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
URGENT_CHOICE_STEP = Step(
    "urgent_choice",
    M("urgent.choice.ask", "Que souhaitez-vous ?"),
    options=(
        Option(
            "contact",
            M("urgent.choice.contact", "Que l'équipe me contacte"),
            synonyms=("contact", "contactez moi", "appelez moi", "oui"),
            event="help_contact",
            goto="help_safe",
        ),
        Option(
            "later",
            M("urgent.choice.later", "Continuer l'orientation plus tard"),
            synonyms=("plus tard", "later"),
            event="help_later",
            goto="help_wait",
        ),
        Option(
            "now",
            M("urgent.choice.now", "Continuer l'orientation maintenant"),
            synonyms=("maintenant", "continuer", "now"),
            event="help_now",
        ),
    ),
)
# After words of self-harm: no questionnaire, only whether someone should write.
SELF_HARM_CHOICE_STEP = Step(
    "self_harm_choice",
    M("urgent.self_harm.ask", "Voulez-vous qu'une personne de l'équipe vous écrive ?"),
    options=(
        Option(
            "contact",
            M("urgent.self_harm.yes", "Oui, qu'on m'écrive"),
            synonyms=("oui", "yes"),
            event="help_contact",
            goto="help_safe",
        ),
        Option(
            "later",
            M("urgent.self_harm.no", "Pas maintenant"),
            synonyms=("non", "no", "plus tard"),
            event="help_later",
            goto="help_wait",
        ),
    ),
)


def _when_safe(key: str, label: Msg, *synonyms: str) -> Option:
    return Option(key, label, synonyms=synonyms, event="help_safe", goto="help_wait")


# A phone may be watched (violence at home, trafficking): asked before anyone writes.
HELP_SAFE_STEP = Step(
    "help_safe",
    M(
        "help.safe.ask",
        "Avant qu'on vous écrive : peut-on utiliser ce numéro sans risque pour vous ?",
    ),
    options=(
        _when_safe("any", M("help.safe.any", "Oui, à tout moment")),
        _when_safe("morning", M("help.safe.morning", "Oui, le matin seulement")),
        _when_safe("evening", M("help.safe.evening", "Oui, le soir seulement")),
        _when_safe("no", M("help.safe.no", "Non, ne m'écrivez pas ici"), "non", "no"),
    ),
)
HELP_WAIT_STEP = Step(
    "help_wait",
    M("help.wait.ask", "Écrivez SUITE pour reprendre l'orientation."),
    options=(
        Option(
            "resume",
            M("help.wait.resume", "Reprendre l'orientation"),
            synonyms=("suite", "la suite", "continuer", "reprendre", "continue", "resume"),
            event="help_now",
        ),
    ),
)
HELP_STEPS = (URGENT_CHOICE_STEP, SELF_HARM_CHOICE_STEP, HELP_SAFE_STEP, HELP_WAIT_STEP)
HELP_STEP_IDS = frozenset(step.id for step in HELP_STEPS)
COMMON_STEPS = (LANGUAGE_STEP, ERASE_STEP, *HELP_STEPS)
"""Every flow's steps that the engine may send a person to."""
COMMON_STEP_IDS = tuple(step.id for step in COMMON_STEPS)
