"""The flow runner on the orientation flow, without a database: what the person is asked next."""

from __future__ import annotations

import pytest

from bot.flows import ORIENTATION
from bot.flows.model import Ask, Event, FlowState, Say, Turn
from bot.flows.runner import advance, options_for, restart, start

# (step asked, what the person answers): a returnee who came back on her own.
TO_SUMMARY: list[tuple[str, str]] = [
    ("language", "1"),  # Français
    ("consent", "1"),  # Oui, j'accepte
    ("region", "2"),  # Boké
    ("prefecture", "1"),  # Boffa
    ("gender", "1"),  # Une femme
    ("age_band", "3"),  # 25 à 34 ans
    ("return_situation", "2"),  # par mes propres moyens
    ("time_since_return", "2"),  # 3 à 12 mois
    ("needs", "1,3"),
    ("interests", "1 et 3"),
    ("savings_group", "1"),
    ("microcredit", "3"),
    ("credit_obstacles", "1"),
    ("money_control", "1"),
    ("save_preference", "2"),
    ("borrow_preference", "3"),
]
ANSWERS_AT_SUMMARY = {
    "region": "boke",
    "prefecture": "boffa",
    "gender": "woman",
    "age_band": "25_34",
    "return_situation": "on_own",
    "time_since_return": "3_12m",
    "needs": ["training", "activity"],
    "interests": ["fishing", "market_gardening"],
    "savings_group": "now",
    "microcredit": "never",
    "credit_obstacles": ["guarantee"],
    "money_control": "self",
    "save_preference": "mobile_money",
    "borrow_preference": "bank",
}


def asked(turn: Turn) -> list[str]:
    return [r.step for r in turn.replies if isinstance(r, Ask)]


def said(turn: Turn) -> list[str]:
    return [r.msg.id for r in turn.replies if isinstance(r, Say)]


def event_names(turn: Turn) -> list[str]:
    return [e.name for e in turn.events]


def reply(state: FlowState, text: str, max_retries: int = 3, has_media: bool = False) -> Turn:
    return advance(
        ORIENTATION, state, text, lang="fr", has_media=has_media, max_retries=max_retries
    )


def state_at(step_id: str) -> FlowState:
    """The state of a person who gave the answers of TO_SUMMARY up to `step_id`."""
    state = start(ORIENTATION).state
    for step, text in TO_SUMMARY:
        if state.step == step_id:
            return state
        assert state.step == step
        reply(state, text)
    assert state.step == step_id == "summary"
    return state


def summary_number(state: FlowState, step_id: str) -> str:
    """The number shown in the summary menu beside the answer to `step_id`."""
    step = ORIENTATION.step("summary")
    keys = [o.key for o in options_for(ORIENTATION, step, state.answers, "fr")]
    return str(keys.index(step_id) + 1)


def test_start_asks_the_language() -> None:
    turn = start(ORIENTATION)
    assert turn.state.step == "language"
    assert asked(turn) == ["language"]


def test_a_full_orientation_reaches_the_summary_then_done() -> None:
    state = start(ORIENTATION).state
    steps = [step for step, _ in TO_SUMMARY]
    for (step, text), following in zip(TO_SUMMARY, [*steps[1:], "summary"], strict=True):
        assert state.step == step
        turn = reply(state, text)
        assert event_names(turn).count("input_rejected") == 0, (step, text)
        assert asked(turn) == [following]
    assert state.answers == ANSWERS_AT_SUMMARY

    turn = reply(state, "1")
    assert state.step == "done"
    assert turn.events == [Event("orientation_completed", value="confirm")]
    assert asked(turn) == ["done"]

    again = reply(state, "1")
    assert state.step == "done"
    assert said(again) == ["done.again"]


@pytest.mark.parametrize("text", ["1", "ok", "Oui", "je confirme", "Tout est juste, je confirme"])
def test_the_summary_is_confirmed(text: str) -> None:
    state = state_at("summary")
    turn = reply(state, text)
    assert state.step == "done"
    assert event_names(turn) == ["orientation_completed"]
    assert state.answers == ANSWERS_AT_SUMMARY


@pytest.mark.parametrize("text", ["1", "Français", "francais", "FRENCH"])
def test_the_language_is_an_event_not_an_answer(text: str) -> None:
    state = start(ORIENTATION).state
    turn = reply(state, text)
    assert turn.events == [Event("language_chosen", value="fr")]
    assert state.answers == {}
    assert state.step == "consent"


@pytest.mark.parametrize("text", ["1", "oui", "OK", "Oui, j'accepte"])
def test_consent_given(text: str) -> None:
    state = state_at("consent")
    turn = reply(state, text)
    assert event_names(turn) == ["consent_given"]
    assert state.step == "region"


@pytest.mark.parametrize("text", ["2", "non", "Non, merci"])
def test_consent_refused_keeps_nothing(text: str) -> None:
    state = state_at("consent")
    turn = reply(state, text)
    assert state.step == "refused"
    assert turn.events == [Event("consent_refused", value="no")]
    assert asked(turn) == ["refused"]
    assert state.answers == {}

    # Writing again after refusing: the consent question, once more.
    later = reply(state, "bonjour")
    assert state.step == "consent"
    assert asked(later) == ["consent"]


def test_community_members_are_not_asked_how_long_ago_they_came_back() -> None:
    state = state_at("return_situation")
    turn = reply(state, "4")  # Je suis membre de la communauté
    assert state.answers["return_situation"] == "community"
    assert asked(turn) == ["needs"]
    assert "time_since_return" not in state.answers


def test_becoming_community_in_the_summary_clears_time_since_return() -> None:
    state = state_at("summary")
    turn = reply(state, summary_number(state, "return_situation"))
    assert asked(turn) == ["return_situation"]

    turn = reply(state, "4")
    assert Event("answer_cleared", field="time_since_return") in turn.events
    assert "time_since_return" not in state.answers
    assert asked(turn) == ["summary"]
    assert "time_since_return" not in [
        o.key for o in options_for(ORIENTATION, ORIENTATION.step("summary"), state.answers, "fr")
    ]


def test_becoming_a_returnee_in_the_summary_asks_time_since_return() -> None:
    state = state_at("return_situation")
    reply(state, "4")
    while state.step != "summary":
        reply(state, "1")
    reply(state, summary_number(state, "return_situation"))

    turn = reply(state, "1")  # avec un programme d'aide
    assert asked(turn) == ["time_since_return"]
    turn = reply(state, "4")
    assert asked(turn) == ["summary"]
    assert state.answers["time_since_return"] == "over_3y"


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("1,10", ["training"]),
        ("10 2", ["job"]),
        ("santé et urgent", ["health"]),
        ("10", []),
        ("SOS", []),
    ],
)
def test_urgent_help_is_an_event_not_a_need(text: str, needs: list[str]) -> None:
    state = state_at("needs")
    turn = reply(state, text)
    assert Event("urgent_help_requested", field="needs", value="urgent") in turn.events
    assert state.answers["needs"] == needs
    assert "urgent" not in state.answers["needs"]


@pytest.mark.parametrize(
    ("step", "text", "answer"),
    [
        ("interests", "1,16", ["fishing"]),
        ("interests", "16 9 13", ["tailoring", "trade"]),
        ("interests", "16", ["undecided"]),
        ("interests", "Je ne sais pas encore", ["undecided"]),
        ("credit_obstacles", "7 1", ["guarantee"]),
        ("credit_obstacles", "7", ["none"]),
    ],
)
def test_an_exclusive_option_is_dropped_beside_others(
    step: str, text: str, answer: list[str]
) -> None:
    state = state_at(step)
    reply(state, text)
    assert state.answers[step] == answer


@pytest.mark.parametrize("choose", ["number", "Lieu", "lieu"])
def test_correcting_the_region_asks_the_prefecture_again(choose: str) -> None:
    state = state_at("summary")
    text = summary_number(state, "region") if choose == "number" else choose
    turn = reply(state, text)
    assert asked(turn) == ["region"]
    assert state.step == "region"

    turn = reply(state, "Kindia")
    assert asked(turn) == ["prefecture"]
    prefectures = options_for(ORIENTATION, ORIENTATION.step("prefecture"), state.answers, "fr")
    assert prefectures[0].key == "coyah"

    turn = reply(state, "1")
    assert asked(turn) == ["summary"]
    assert state.step == "summary"
    assert state.queue == []
    assert state.answers == {**ANSWERS_AT_SUMMARY, "region": "kindia", "prefecture": "coyah"}


def test_correcting_the_gender_comes_straight_back_to_the_summary() -> None:
    state = state_at("summary")
    reply(state, summary_number(state, "gender"))
    turn = reply(state, "3")
    assert asked(turn) == ["summary"]
    assert state.answers["gender"] == "undisclosed"


def test_mistakes_cost_one_line_then_the_question_once_then_help() -> None:
    """By SMS every reply costs: a first mistake gets one short line; a second, what was
    wrong and the question again (once); the third, a short line and the offer of help;
    later ones, the short line only."""
    state = state_at("region")
    sequence = []
    for _attempt in range(5):
        turn = reply(state, "bonjour", max_retries=3)
        assert turn.events == [Event("input_rejected", value="unknown")]
        assert state.step == "region"
        sequence.append((said(turn), asked(turn)))
    assert sequence == [
        (["reprompt.short"], []),
        (["reprompt.unknown"], ["region"]),
        (["reprompt.short", "reprompt.offer_help"], []),
        (["reprompt.short"], []),
        (["reprompt.short"], []),
    ]
    turn = reply(state, "2")
    assert state.retries == 0
    assert asked(turn) == ["prefecture"]


@pytest.mark.parametrize("max_retries", [1, 2, 3])
def test_help_is_offered_at_max_retries(max_retries: int) -> None:
    state = state_at("region")
    for attempt in range(1, max_retries + 2):
        turn = reply(state, "bonjour", max_retries=max_retries)
        offered = "reprompt.offer_help" in said(turn)
        assert offered == (attempt == max_retries), attempt


def test_the_consent_text_is_never_sent_again_after_a_mistake() -> None:
    """296 characters, two SMS parts: the person has it just above."""
    state = state_at("consent")
    for _attempt in range(4):
        turn = reply(state, "hein ?")
        assert asked(turn) == []
        assert state.step == "consent"
    assert said(reply(state, "bof"))[0] == "reprompt.short"


def test_two_options_that_fit_are_asked_about_in_one_line() -> None:
    state = state_at("savings_group")
    turn = reply(state, "oui")
    assert turn.events == [Event("input_rejected", value="ambiguous")]
    assert asked(turn) == []
    (question,) = turn.replies
    assert isinstance(question, Say)
    assert question.msg.id == "reprompt.ambiguous"
    assert dict(question.params) == {"first": "1 (Oui, maintenant)", "second": "2 (Oui, avant)"}
    reply(state, "2")
    assert state.answers["savings_group"] == "before"


def test_a_town_at_the_region_gives_the_prefecture_too() -> None:
    state = state_at("region")
    turn = reply(state, "j'habite à Kamsar")
    assert state.answers["region"] == "boke"
    assert state.answers["prefecture"] == "boke"
    assert asked(turn) == ["gender"]
    assert Event("answer_saved", field="prefecture", value="boke") in turn.events


def test_a_region_named_at_the_region_still_asks_the_prefecture() -> None:
    state = state_at("region")
    turn = reply(state, "j'habite à Boké")
    assert state.answers == {"region": "boke"}
    assert asked(turn) == ["prefecture"]


def test_a_town_when_correcting_the_region_skips_the_prefecture() -> None:
    state = state_at("summary")
    reply(state, summary_number(state, "region"))
    assert state.step == "region"
    turn = reply(state, "Siguiri")
    assert state.answers["region"] == "kankan"
    assert state.answers["prefecture"] == "siguiri"
    assert asked(turn) == ["summary"]


@pytest.mark.parametrize(
    ("step", "text"),
    [("gender", "j'ai 27 ans"), ("needs", "2 ans"), ("return_situation", "6 mois")],
)
def test_an_age_or_duration_is_never_an_option_number(step: str, text: str) -> None:
    state = state_at(step)
    turn = reply(state, text)
    assert [e.name for e in turn.events] == ["input_rejected"]


@pytest.mark.parametrize(
    ("text", "reason", "msg_id"),
    [
        ("9", "out_of_range", "reprompt.out_of_range"),
        ("0", "out_of_range", "reprompt.out_of_range"),
        ("1,3", "too_many", "reprompt.too_many"),
        ("😀", "empty", "reprompt.empty"),
        ("   ", "empty", "reprompt.empty"),
        ("xyz", "unknown", "reprompt.short"),
    ],
)
def test_each_rejection_has_its_reprompt(text: str, reason: str, msg_id: str) -> None:
    state = state_at("region")
    turn = reply(state, text)
    assert turn.events == [Event("input_rejected", value=reason)]
    (first,) = turn.replies
    assert isinstance(first, Say)
    assert first.msg.id == msg_id
    assert first.params == (("count", "8"),)
    assert "region" not in state.answers
    # The second time, what was wrong, and the question again.
    turn = reply(state, text)
    assert said(turn) == [f"reprompt.{reason}"]
    assert asked(turn) == ["region"]


def test_media_without_text_is_asked_for_in_writing() -> None:
    state = state_at("gender")
    turn = reply(state, "", has_media=True)
    assert turn.events == [Event("input_rejected", value="media")]
    assert said(turn) == ["reprompt.media"]
    assert asked(turn) == []


def test_media_with_a_caption_answers() -> None:
    state = state_at("gender")
    reply(state, "2", has_media=True)
    assert state.answers["gender"] == "man"
    assert state.step == "age_band"


def test_changing_language_mid_flow_returns_to_the_question() -> None:
    state = state_at("gender")
    answers = dict(state.answers)
    state.step = "language"
    state.queue = ["gender"]

    turn = reply(state, "2")  # Pular
    assert turn.events == [Event("language_chosen", value="ff")]
    assert asked(turn) == ["gender"]
    assert state.step == "gender"
    assert state.queue == []
    assert state.answers == answers


def test_menu_does_not_ask_consent_again() -> None:
    assert restart(ORIENTATION, consented=True).state.step == "region"
    assert restart(ORIENTATION, consented=False).state.step == "language"


@pytest.mark.parametrize("text", ["Nzérékoré", "nzerekore", "5"])
def test_prefecture_nzerekore(text: str) -> None:
    state = state_at("region")
    reply(state, "8")
    reply(state, text)
    assert state.answers["prefecture"] == "nzerekore"


@pytest.mark.parametrize("text", ["N'Zérékoré", "N’Zérékoré", "n'zerekore"])
def test_prefecture_nzerekore_with_an_apostrophe(text: str) -> None:
    state = state_at("region")
    reply(state, "8")
    reply(state, text)
    assert state.answers.get("prefecture") == "nzerekore"


def test_a_sentence_that_happens_to_say_tout_is_no_confirmation_of_the_summary() -> None:
    state = state_at("summary")
    turn = reply(state, "je vous raconte tout depuis le début, c'est long")
    assert event_names(turn) == ["input_rejected"]
    assert state.step == "summary"
