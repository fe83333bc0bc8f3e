"""The generic flow runner: one person's input in, the next state, events and replies out.

Pure functions of (flow, state, input, language): no channel, no database, no clock.
Bad input is not an exception but an `input_rejected` event with a reprompt
(bot/flows/reprompt.py); an answer that fits two options is an `input_rejected` event
with the value "ambiguous" and a question naming both. What people write is read by
bot/flows/understand.py; an answer may also fill a later step's answer ("Kamsar" at the
region gives the prefecture too), and that step is then not asked.
"""

from __future__ import annotations

import functools

from bot.flows.model import Ask, Event, Flow, FlowState, Option, Say, Step, Turn
from bot.flows.reprompt import reprompt
from bot.flows.text import has_letters_or_digits, normalize
from bot.flows.understand import read_answer
from bot.i18n.languages import DEFAULT_LANGUAGE
from bot.i18n.translate import M, translate
from bot.types import Answers, AnswerValue

__all__ = [
    "advance",
    "label_text",
    "options_for",
    "repair",
    "restart",
    "safe_step",
    "start",
    "summary_lines",
]

SUMMARY_LINE = M("summary.line", "{label}: {value}")
SUMMARY_EMPTY = M("summary.empty", "aucune réponse")
SUMMARY_CONFIRM = M("summary.confirm", "Tout est juste")
CONFIRM_WORDS = ("ok", "oui", "yes", "confirmer", "confirme", "je confirme", "d accord")
# Steps whose answer decides about the person's data: an unclear answer there is asked
# again, never guessed (bot/flows/understand.py, read_strict). Their ids are known
# outside the flows (docs/flows.md).
STRICT_STEPS = frozenset({"consent", "erase_confirm"})

ALREADY_DONE = M(
    "done.again",
    "Votre orientation est terminée, merci. Écrivez RDV pour vos rendez-vous, MENU pour "
    "la refaire, AIDE pour de l'aide, EFFACER pour supprimer vos réponses.",
)


def label_text(option: Option, lang: str) -> str:
    return option.label if isinstance(option.label, str) else translate(option.label, lang)


def _value_text(step: Step, value: AnswerValue, answers: Answers, lang: str) -> str:
    keys = [value] if isinstance(value, str) else value
    by_key = {o.key: o for o in step.options_for(answers)}
    shown = [label_text(by_key[k], lang) for k in keys if k in by_key]
    return ", ".join(shown) if shown else translate(SUMMARY_EMPTY, lang)


def summary_lines(flow: Flow, answers: Answers, lang: str) -> list[tuple[Step, str]]:
    """Each answered step that has a summary label, with its answer read back in `lang`.

    The answers to its follow-up questions that have no label of their own are read back
    on the same line ("Lieu : Boké, Boffa"): correcting the line asks them again anyway.
    """
    lines = []
    for step in flow.steps:
        if step.summary is None or step.store is None or step.store not in answers:
            continue
        values = [_value_text(step, answers[step.store], answers, lang)]
        for followup in map(flow.step, step.followups):
            if followup.summary is None and followup.store in answers:
                values.append(_value_text(followup, answers[followup.store], answers, lang))
        value = ", ".join(values)
        text = translate(SUMMARY_LINE, lang, label=translate(step.summary, lang), value=value)
        lines.append((step, text))
    return lines


def options_for(
    flow: Flow,
    step: Step,
    answers: Answers,
    lang: str,
    dynamic: tuple[Option, ...] | None = None,
) -> tuple[Option, ...]:
    """The options shown for `step`, in menu order (numbered from 1); `dynamic`: those
    the engine found for a step with a `source`."""
    if dynamic is not None:
        return dynamic
    if step.kind != "summary":
        return step.options_for(answers)
    confirm = Option(
        "confirm",
        SUMMARY_CONFIRM,
        synonyms=CONFIRM_WORDS,
        goto="done",
        event="orientation_completed",
    )
    lines = tuple(Option(s.id, text) for s, text in summary_lines(flow, answers, lang))
    return (confirm, *lines)


def _names(flow: Flow, step: Step, option: Option, lang: str) -> list[str]:
    """Everything a person may type to mean `option`, normalized."""
    if step.kind == "summary" and option.key != "confirm":
        target = flow.step(option.key)
        assert target.summary is not None
        labels = [translate(target.summary, lang), translate(target.summary, DEFAULT_LANGUAGE)]
    elif isinstance(option.label, str):
        labels = [option.label]
    else:
        labels = [translate(option.label, lang), translate(option.label, DEFAULT_LANGUAGE)]
    return [_label_words(t) for t in (*labels, *option.synonyms)]


_label_words = functools.lru_cache(maxsize=4096)(normalize)
"""`normalize` of options' labels and synonyms: the same few hundred texts every turn
(catalogue texts, or slot labels), keyed by the text itself, so a changed translation is
simply another key. Never what people write."""


def start(flow: Flow, answers: Answers | None = None, at: str | None = None) -> Turn:
    state = FlowState(step=at or flow.steps[0].id, answers=dict(answers or {}))
    return Turn(state, replies=[Ask(state.step)]) if state.step else Turn(state)


def restart(flow: Flow, consented: bool) -> Turn:
    """MENU: the orientation from its start; a person who consented is not asked again."""
    first = next(s for s in flow.steps if s.kind != "end")
    if consented:
        ids = [s.id for s in flow.steps]
        first = flow.steps[ids.index("consent") + 1] if "consent" in ids else first
    return start(flow, at=first.id)


def safe_step(flow: Flow, answers: Answers, *, consented: bool, language_chosen: bool) -> str:
    """Where a person goes on when the step they were at no longer exists: the first
    question of `flow` they have not answered (never consent or the language again once
    given), or its summary when they answered everything."""
    ids = [s.id for s in flow.steps]
    begin = 0
    if consented and "consent" in ids:
        begin = ids.index("consent") + 1
    elif language_chosen and "language" in ids:
        begin = ids.index("language") + 1
    for step in flow.steps[begin:]:
        if step.kind == "end" or not step.applies(answers):
            continue
        if step.store is None or step.store not in answers:
            return step.id
    return next((s.id for s in flow.steps if s.kind == "summary"), flow.steps[0].id)


def repair(flow: Flow, state: FlowState, *, consented: bool, language_chosen: bool) -> bool:
    """Point `state` at steps `flow` has, after a release renamed or removed some: a
    renamed step goes on at its replacement (`Flow.replaced`), a removed one at the
    nearest safe step. True when the person was moved to a safe step: what they just
    wrote answered a question that is gone, so it is not read as an answer."""
    state.queue = [q for q in (flow.resolve(step) for step in state.queue) if q is not None]
    if state.step is None:
        return False
    resolved = flow.resolve(state.step)
    if resolved is not None:
        state.step = resolved
        return False
    state.step = safe_step(
        flow, state.answers, consented=consented, language_chosen=language_chosen
    )
    state.queue = []
    state.retries = 0
    return True


def _reject(
    step: Step,
    state: FlowState,
    reason: str,
    options: tuple[Option, ...],
    *,
    lang: str,
    max_retries: int,
    candidates: tuple[int, ...] = (),
) -> Turn:
    state.retries += 1
    replies = reprompt(step, reason, state.retries, options, lang, max_retries, candidates)
    return Turn(state, [Event("input_rejected", value=reason)], replies)


def _clear_if_answered(step: Step, state: FlowState, events: list[Event]) -> None:
    if step.store and step.store in state.answers:
        del state.answers[step.store]
        events.append(Event("answer_cleared", field=step.store))


def _next_step(
    flow: Flow, state: FlowState, after: str, events: list[Event], filled: frozenset[str]
) -> Step | None:
    """The next step to ask; steps whose answer this very message gave (`filled`) are
    passed over."""
    while state.queue:
        candidate = flow.step(state.queue.pop(0))
        if candidate.store in filled:
            continue
        if candidate.applies(state.answers):
            return candidate
        _clear_if_answered(candidate, state, events)
    for candidate in flow.following(after):
        if candidate.store in filled:
            continue
        if candidate.applies(state.answers):
            return candidate
        _clear_if_answered(candidate, state, events)
    return None


def _at_end(flow: Flow, step: Step, state: FlowState) -> Turn:
    if step.id == "refused" and "consent" in {s.id for s in flow.steps}:
        # They wrote again after saying no: ask once more, kindly; nothing was kept.
        state.step = "consent"
        return Turn(state, replies=[Ask("consent")])
    return Turn(state, replies=[Say(ALREADY_DONE)])


def advance(
    flow: Flow,
    state: FlowState,
    text: str,
    *,
    lang: str,
    has_media: bool = False,
    max_retries: int = 3,
    dynamic: tuple[Option, ...] | None = None,
) -> Turn:
    """Apply one message from the person to the step they are at (`dynamic`: the options
    of a step with a `source`, as the person was shown them)."""
    assert state.step is not None, "advance() needs a started flow"
    step = flow.step(state.step)
    if step.kind == "end":
        return _at_end(flow, step, state)

    options = options_for(flow, step, state.answers, lang, dynamic)
    if has_media and not text.strip():
        return _reject(step, state, "media", options, lang=lang, max_retries=max_retries)
    if not has_letters_or_digits(text):
        return _reject(step, state, "empty", options, lang=lang, max_retries=max_retries)
    parsed = read_answer(
        step,
        options,
        [_names(flow, step, o, lang) for o in options],
        text,
        state.answers,
        # Confirming the summary ends the orientation: never read into a sentence either.
        strict=step.id in STRICT_STEPS or step.kind == "summary",
    )
    if parsed.error:
        return _reject(
            step,
            state,
            parsed.error,
            options,
            lang=lang,
            max_retries=max_retries,
            candidates=parsed.candidates,
        )

    chosen = [options[i] for i in parsed.indexes]
    if len(chosen) > 1:
        chosen = [o for o in chosen if not o.exclusive] or chosen[:1]
    events: list[Event] = []
    replies: list[Say | Ask] = []
    state.retries = 0

    if step.kind == "summary" and chosen[0].key != "confirm":
        # Correct one answer, then the answers that depend on it, then back to the summary.
        target = flow.step(chosen[0].key)
        state.queue = [*target.followups, step.id]
        state.step = target.id
        return Turn(state, events, [Ask(target.id)])

    for option in chosen:
        if option.event:
            events.append(Event(option.event, field=step.store, value=option.key))
    if step.store:
        keys = [o.key for o in chosen if o.event is None]
        value: AnswerValue = keys if step.kind == "multi" else (keys[0] if keys else "")
        if step.kind == "multi" or keys:
            state.answers[step.store] = value
            events.append(Event("answer_saved", field=step.store, value=value))
    for field, key in parsed.fills:
        state.answers[field] = key
        events.append(Event("answer_saved", field=field, value=key))
    filled = frozenset(field for field, _ in parsed.fills)

    goto = next((o.goto for o in chosen if o.goto), None)
    following: Step | None
    if goto:
        state.queue = []
        following = flow.step(goto)
    else:
        following = _next_step(flow, state, step.id, events, filled)
    state.step = following.id if following else None
    if following:
        replies.append(Ask(following.id))
    return Turn(state, events, replies)
