"""Global keywords: each listed word, however it is typed, and nothing else."""

from __future__ import annotations

import pytest

from bot.engine.keywords import KEYWORD_WORDS, Keyword, match_keyword
from bot.i18n.translate import DEFAULT_LANGUAGE, translate

LISTED: list[tuple[str, Keyword]] = [
    (word.strip(), keyword)
    for keyword, msg in KEYWORD_WORDS.items()
    for word in translate(msg, DEFAULT_LANGUAGE).split(",")
]


def _without_accents(word: str) -> str:
    return word.translate(str.maketrans("ÀÂÉÈÊËÎÏÔÙÛÜÇ", "AAEEEEIIOUUUC"))


def test_every_keyword_has_words() -> None:
    assert {keyword for _, keyword in LISTED} == set(KEYWORD_WORDS)
    assert all(word for word, _ in LISTED)


@pytest.mark.parametrize(("word", "keyword"), LISTED, ids=[w for w, _ in LISTED])
def test_every_listed_word_in_any_case(word: str, keyword: Keyword) -> None:
    for typed in {word, word.lower(), word.capitalize(), _without_accents(word).lower()}:
        assert match_keyword(typed) == keyword, typed


@pytest.mark.parametrize(("word", "keyword"), LISTED, ids=[w for w, _ in LISTED])
def test_every_listed_word_with_spaces_and_punctuation(word: str, keyword: Keyword) -> None:
    for typed in (f" {word} ", f"{word}.", f"{word} !", f"{word}!!", f"{word}?\n", f"«{word}»"):
        assert match_keyword(typed) == keyword, typed


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("Arrêt !", "stop"),
        ("arrêter", "stop"),
        ("stop.", "stop"),
        ("Désabonner", "stop"),
        (" aide ", "help"),
        ("Démarrer", "start"),
        ("Menu.", "menu"),
        ("langues", "language"),
        ("Effacer", "erase"),
        ("sos", "urgent"),
        ("URGENCE!", "urgent"),
    ],
)
def test_as_people_type_them(text: str, keyword: Keyword) -> None:
    assert match_keyword(text) == keyword


@pytest.mark.parametrize(
    "text",
    [
        "je veux arrêter de fumer",
        "stop stop",
        "aide moi pour le menu",
        "Je ne parle pas cette langue",
        "ce n'est pas urgent",
        "1",
        "2.",
        "1,3",
        "oui",
        "non",
        "ok",
        "Boké",
        "",
        "   ",
        "!!!",
        "stop" * 20,
    ],
)
def test_sentences_and_answers_are_not_keywords(text: str) -> None:
    assert match_keyword(text) is None


@pytest.mark.parametrize("text", ["S.O.S", "S.O.S."])
def test_sos_written_with_dots(text: str) -> None:
    assert match_keyword(text) == "urgent"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("stop svp", "stop"),
        ("Arrêtez", "stop"),
        ("aide moi merci", "help"),
        ("Au secours !", "urgent"),
    ],
)
def test_polite_and_common_forms_are_keywords(text: str, keyword: str) -> None:
    assert match_keyword(text) == keyword
