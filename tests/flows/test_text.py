"""Reading what people type: `normalize` and tolerant choice parsing (`parse_choices`)."""

from __future__ import annotations

import time

import pytest

from bot.flows.text import MAX_INPUT_CHARS, Parsed, has_letters_or_digits, normalize, parse_choices


def options(*names: str) -> list[list[str]]:
    """Menu options as the runner passes them: each option's names, normalized.

    One option per argument; an option's label and synonyms are separated by `|`.
    """
    return [[normalize(n) for n in option.split("|")] for option in names]


REGIONS = options(
    "Conakry",
    "Boké",
    "Kindia",
    "Mamou",
    "Labé",
    "Faranah",
    "Kankan",
    "Nzérékoré|nzerekore|n zerekore",
)
CONSENT = options("Oui, j'accepte|oui|yes|ok", "Non, merci|non|no")
NEEDS = options(
    "Une formation",
    "Un emploi",
    "Créer ou développer une activité",
    "Crédit et épargne",
    "Soutien psychosocial (parler à quelqu'un)",
    "Santé",
    "Papiers et documents",
    "Logement",
)


def test_normalize_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalize("  ARRÊT! ") == "arret"
    assert normalize("N'Zérékoré") == "n zerekore"
    assert normalize("Crédit   et\tépargne.") == "credit et epargne"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ɓ ɗ ŋ ɲ ƴ", "ɓ ɗ ŋ ɲ ƴ"),
        ("Ɓ Ɗ Ŋ Ɲ Ƴ", "ɓ ɗ ŋ ɲ ƴ"),
        ("Ɓe ɗon", "ɓe ɗon"),
        ("ɛ ɔ Ɛ Ɔ", "ɛ ɔ ɛ ɔ"),
    ],
)
def test_normalize_keeps_pular_and_susu_letters(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["", " ", "\n\t", "...", "!?", "😀", "👍🏾"])
def test_nothing_to_read(text: str) -> None:
    assert not has_letters_or_digits(text)
    assert parse_choices(text, REGIONS, multi=False) == Parsed(error="empty")
    assert parse_choices(text, NEEDS, multi=True) == Parsed(error="empty")


# "𞥒" is 2 in Adlam digits, typed from an Adlam keyboard by Pular speakers.
@pytest.mark.parametrize(
    "text", ["2", " 2.", "2)", "(2)", "( 2 )", "2 )", "2\n", "02", "２", "\U0001e952"]
)
def test_a_number_however_it_is_written(text: str) -> None:
    assert parse_choices(text, REGIONS, multi=False) == Parsed((1,))
    assert parse_choices(text, NEEDS, multi=True) == Parsed((1,))


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("boke", 1),
        ("Boké", 1),
        ("BOKÉ", 1),
        ("BOKE!", 1),
        ("conakry.", 0),
        ("Labe", 4),
        ("Nzerekore", 7),
        ("nzérékoré", 7),
        ("N'Zérékoré", 7),
        ("N’Zérékoré", 7),
        ("kank", 6),  # the start of a name, when only one option starts so
    ],
)
def test_an_option_by_its_words(text: str, index: int) -> None:
    assert parse_choices(text, REGIONS, multi=False) == Parsed((index,))


@pytest.mark.parametrize(
    ("text", "index"),
    [("oui", 0), ("OUI.", 0), ("Oui, j'accepte", 0), ("ok", 0), ("Non", 1), ("non merci", 1)],
)
def test_a_synonym_or_the_whole_label(text: str, index: int) -> None:
    assert parse_choices(text, CONSENT, multi=False) == Parsed((index,))


@pytest.mark.parametrize(
    "text",
    [
        "1,3",
        "1, 3",
        "1 ,3,",
        "1,,3",
        "1 3",
        "1 et 3",
        "1 ET 3",
        "1 and 3",
        "1;3",
        "1/3",
        "1 & 3",
        "1+3",
        "1. 3.",
        "1) 3)",
    ],
)
def test_several_choices(text: str) -> None:
    assert parse_choices(text, NEEDS, multi=True) == Parsed((0, 2))


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("formation et emploi", (0, 1)),
        ("Santé, logement, papiers", (5, 7, 6)),
        ("crédit et épargne", (3,)),  # "et" inside a label is not a separator
        ("3 et santé", (2, 5)),
    ],
)
def test_several_choices_by_their_words(text: str, indexes: tuple[int, ...]) -> None:
    assert parse_choices(text, NEEDS, multi=True) == Parsed(indexes)


@pytest.mark.parametrize(("text", "indexes"), [("1,1", (0,)), ("1 3 3 1", (0, 2)), ("2 2", (1,))])
def test_repeated_choices_count_once(text: str, indexes: tuple[int, ...]) -> None:
    assert parse_choices(text, NEEDS, multi=True) == Parsed(indexes)


@pytest.mark.parametrize("text", ["0", "9", "99", "(0)", "999"])
def test_numbers_not_in_the_menu(text: str) -> None:
    assert parse_choices(text, REGIONS, multi=False) == Parsed(error="out_of_range")


@pytest.mark.parametrize("text", ["1,99", "0 1", "1 et 9"])
def test_one_number_not_in_the_menu_among_several(text: str) -> None:
    assert parse_choices(text, NEEDS, multi=True) == Parsed(error="out_of_range")


@pytest.mark.parametrize("text", ["1,3", "1 3", "1 et 3", "1 and 3", "1;3", "boké et kindia"])
def test_several_where_one_is_expected(text: str) -> None:
    assert parse_choices(text, REGIONS, multi=False) == Parsed(error="too_many")


@pytest.mark.parametrize("text", ["bonjour", "xyz", "je ne sais pas", "ça va?", "2.5", "1-3"])
def test_nonsense(text: str) -> None:
    assert parse_choices(text, REGIONS, multi=False) == Parsed(error="unknown")
    assert parse_choices(text, NEEDS, multi=True) == Parsed(error="unknown")


def test_a_word_shared_by_several_options_is_not_guessed() -> None:
    assert parse_choices("pour", options("Pour épargner", "Pour emprunter"), multi=False) == (
        Parsed(error="unknown")
    )


@pytest.mark.parametrize(
    "text",
    ["1 " * 50_000, "x" * 100_000, "1," * 50_000, "Boké et " * 12_500, "é" * 100_000],
)
def test_extremely_long_input_is_read_quickly(text: str) -> None:
    assert len(text) >= 100_000
    began = time.perf_counter()
    single = parse_choices(text, REGIONS, multi=False)
    several = parse_choices(text, NEEDS, multi=True)
    assert time.perf_counter() - began < 1.0
    assert isinstance(single, Parsed)
    assert isinstance(several, Parsed)
    assert len(normalize(text)) <= MAX_INPUT_CHARS


@pytest.mark.parametrize(
    ("text", "labels", "index"),
    [
        ("2 Boké", REGIONS, 1),  # a menu line copied back, as shown by SMS
        ("2. Boké", REGIONS, 1),  # as shown by WhatsApp
        ("Boké 2", REGIONS, 1),
        ("2, 2", REGIONS, 1),
        ("1 oui", CONSENT, 0),
        ("oui oui", CONSENT, 0),
    ],
    ids=["2 Boke", "2. Boke", "Boke 2", "2, 2", "1 oui", "oui oui"],
)
def test_one_option_said_twice_where_one_is_expected(
    text: str, labels: list[list[str]], index: int
) -> None:
    assert parse_choices(text, labels, multi=False) == Parsed((index,))


@pytest.mark.parametrize("text", ["une formation et un emploi", "Une formation, un emploi"])
def test_several_full_labels(text: str) -> None:
    assert parse_choices(text, NEEDS, multi=True) == Parsed((0, 1))


@pytest.mark.parametrize(("text", "index"), [("2️⃣", 1), ("8️⃣", 7)])
def test_a_keycap_emoji_is_its_number(text: str, index: int) -> None:
    """WhatsApp keyboards offer 1️⃣ 2️⃣ 3️⃣: people answer menus with them."""
    assert parse_choices(text, REGIONS, multi=False) == Parsed((index,))
