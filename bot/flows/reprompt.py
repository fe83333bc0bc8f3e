"""What the person is told when their answer is not understood: cheap by SMS, never curt.

A mistake costs one short line, not the whole question again: the first re-prompt is
one line ("Répondez avec un numéro de 1 à 5, ou AIDE."); the second says what was wrong
and re-sends the question, once; later ones are a short line again, with the offer of
help at the `max_retries`-th. A question longer than one SMS (the consent text) is never
re-sent: the person has it just above. An answer that fits two options is asked about
in one line ("Voulez-vous dire 1 (Oui, maintenant) ou 2 (Oui, avant) ?").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.model import Ask, Option, Say, Step
from bot.i18n.translate import M, Msg, translate

__all__ = ["OFFER_HELP", "REJECTIONS", "SHORT", "reprompt"]

REJECTIONS: dict[str, Msg] = {
    "empty": M(
        "reprompt.empty",
        "Votre message est vide ou ne contient que des symboles. "
        "Répondez avec le numéro de votre choix.",
    ),
    "media": M(
        "reprompt.media",
        "Merci pour votre envoi. Pour cette question, j'ai besoin d'une réponse écrite : "
        "répondez avec le numéro de votre choix.",
    ),
    "out_of_range": M(
        "reprompt.out_of_range", "Ce numéro n'est pas dans la liste. Choisissez entre 1 et {count}."
    ),
    "unknown": M("reprompt.unknown", "Je n'ai pas compris votre réponse."),
    "too_many": M("reprompt.too_many", "Ici, une seule réponse est possible."),
}
SHORT = M("reprompt.short", "Répondez avec un numéro de 1 à {count}, ou AIDE.")
AMBIGUOUS = M("reprompt.ambiguous", "Voulez-vous dire {first} ou {second} ?")
OFFER_HELP = M(
    "reprompt.offer_help",
    "Cette question semble difficile. Écrivez AIDE pour recevoir de l'aide, "
    "ou MENU pour recommencer.",
)
# One SMS part in GSM-7: a question longer than this is not sent again after a mistake.
LONG_PROMPT = 160


def _label(option: Option, lang: str) -> str:
    return option.label if isinstance(option.label, str) else translate(option.label, lang)


def _first_line(reason: str, count: str) -> Say:
    if reason == "unknown":
        return Say(SHORT, (("count", count),))
    return Say(REJECTIONS[reason], (("count", count),))


def reprompt(
    step: Step,
    reason: str,
    attempt: int,
    options: Sequence[Option],
    lang: str,
    max_retries: int,
    candidates: Sequence[int] = (),
) -> list[Say | Ask]:
    """The replies to the `attempt`-th answer in a row not understood at `step`."""
    count = str(len(options))
    replies: list[Say | Ask]
    if reason == "ambiguous" and len(candidates) == 2:
        first, second = (f"{i + 1} ({_label(options[i], lang)})" for i in candidates)
        replies = [Say(AMBIGUOUS, (("first", first), ("second", second)))]
    elif attempt == 2:
        replies = [Say(REJECTIONS.get(reason, REJECTIONS["unknown"]), (("count", count),))]
        if len(translate(step.prompt, lang)) > LONG_PROMPT:
            replies.append(Say(SHORT, (("count", count),)))
        else:
            replies.append(Ask(step.id))
    else:
        replies = [_first_line(reason if reason in REJECTIONS else "unknown", count)]
    if attempt == max_retries:
        # Before the question, when it is re-sent: the question ends the message.
        at = next((n for n, r in enumerate(replies) if isinstance(r, Ask)), len(replies))
        replies.insert(at, Say(OFFER_HELP))
    return replies
