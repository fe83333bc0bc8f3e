"""The stigma checker, and Orienta's own words checked with it."""

from __future__ import annotations

import unicodedata

import pytest
from babel.messages.pofile import read_po

from bot.i18n.translate import Msg
from bot.stigma import Finding, Rule, find_stigmatising
from tests.i18n.test_template import TEMPLATE, sent_messages


def terms(text: str) -> list[str]:
    return [f.term for f in find_stigmatising(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les CLANDESTINS sont arrivés", ["CLANDESTINS"]),
        ("une clandestine", ["clandestine"]),
        ("migrante illegale", ["migrante illegale"]),
        ("des migrants illégaux", ["migrants illégaux"]),
        ("Les illégaux", ["Les illégaux"]),
        ("une entrée illégale", ["entrée illégale"]),
        ("il a échoué", ["échoué"]),
        ("elle a echoue", ["echoue"]),
        ("retour en échec", ["échec"]),
        ("un raté, une migrante ratée", ["un raté", "migrante ratée"]),
        ("refoulées à la frontière", ["refoulées"]),
        ("Expulsés de Libye", ["Expulsés"]),
        ("les retournés du quartier", ["les retournés"]),
        ("ces revenants", ["ces revenants"]),
        ("les maudites", ["les maudites"]),
        ("une vague de migrants", ["vague de migrants"]),
        ("l'afflux massif de réfugiés", ["afflux massif de réfugiés"]),
        ("un flot d'exilés", ["flot d'exilés"]),
        ("une invasion", ["invasion"]),
        ("ces pauvres gens", ["pauvres"]),
        ("une malheureuse", ["malheureuse"]),
        ("la HONTE de la famille", ["HONTE"]),
        ("un déshonneur", ["déshonneur"]),
        ("Candidats à l’exil", ["Candidats à l’exil"]),
        ("les pays d'accueil", ["pays d'accueil"]),
        ("illegal migrants and illegals", ["illegal migrants", "illegals"]),
        ("a failed migrant", ["failed migrant"]),
        ("a flood of migrants", ["flood of migrants"]),
        ("they swarm", ["swarm"]),
        ("helpless victims, poor things", ["helpless victims", "poor things"]),
        ("shame and disgrace", ["shame", "disgrace"]),
        ("would-be migrants", ["would-be migrants"]),
        ("host country", ["host country"]),
        ("deportees", ["deportees"]),
    ],
)
def test_finds_inflected_and_unaccented_forms(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Je suis rentré(e) par mes propres moyens",
        "Je suis rentrée avec un programme d'aide",
        "personne de retour",
        "les personnes de retour",
        "pays de destination",
        "une personne en situation irrégulière",
        "une entrée irrégulière",
        "Le recrutement payant est illégal",
        "le flux de trésorerie de votre activité",
        "une vague de chaleur",
        "Malheureusement, la formation est complète",
        "Elle a retourné le formulaire",
        "the exchange rate",
        "a survivor who started a business",
    ],
)
def test_neutral_sentences_pass(text: str) -> None:
    assert find_stigmatising(text) == []


def test_offsets_point_into_the_original_text() -> None:
    text = "Après l’ÉCHEC, des migrants illégaux ; « les Retournées »"
    findings = find_stigmatising(text)
    assert [text[f.start : f.end] for f in findings] == [f.term for f in findings]
    assert [f.term for f in findings] == ["ÉCHEC", "migrants illégaux", "les Retournées"]
    assert findings[0].start == text.index("ÉCHEC")


def test_offsets_survive_decomposed_accents_and_expanding_letters() -> None:
    text = unicodedata.normalize("NFD", "Straße : échec, refoulé")
    findings = find_stigmatising(text)
    assert [text[f.start : f.end] for f in findings] == [
        unicodedata.normalize("NFD", "échec"),
        unicodedata.normalize("NFD", "refoulé"),
    ]


def test_findings_carry_reason_and_alternative() -> None:
    (finding,) = find_stigmatising("des clandestins")
    assert finding == Finding(
        term="clandestins",
        start=4,
        end=15,
        reason="une personne n'est pas illégale ; le mot suggère un crime",
        alternative="personne migrante, personne en situation irrégulière",
    )


def test_overlapping_rules_give_one_finding() -> None:
    assert terms("Les migrantes illégales") == ["migrantes illégales"]


def test_extra_rules_extend_the_list() -> None:
    rule = Rule(r"mots?\s+blessants?", "raison pour l'équipe", "autre mot", language="sus")
    (finding,) = find_stigmatising("Des MOTS blessants, un échec", extra=[rule])[:1]
    assert (finding.term, finding.reason, finding.alternative) == (
        "MOTS blessants",
        "raison pour l'équipe",
        "autre mot",
    )
    assert terms("Des MOTS blessants") == []  # built-in rules alone do not know it


def test_extra_rules_may_be_written_with_accents() -> None:
    rule = Rule(r"égaré(?:e|s|es)?", "raison", "autre mot")
    assert [f.term for f in find_stigmatising("des EGAREES", extra=[rule])] == ["EGAREES"]


def test_invalid_pattern_is_reported() -> None:
    with pytest.raises(ValueError, match=r"Rule pattern '\(oops' is not a valid regular"):
        Rule("(oops", "raison", "autre mot")


# -- Orienta's own words ------------------------------------------------------------------


def _describe(where: str, text: str, found: list[Finding]) -> list[str]:
    return [
        f"  {where}: {f.term!r} in {text!r} — {f.reason}; écrire plutôt : {f.alternative}"
        for f in found
    ]


def test_template_has_no_stigmatising_wording() -> None:
    with TEMPLATE.open("rb") as pot:
        catalog = read_po(pot)
    problems: list[str] = []
    for message in catalog:
        if message.id:
            text = str(message.id)
            problems += _describe(f"[{message.context}]", text, find_stigmatising(text))
    assert not problems, "Stigmatising wording in bot/locales/orienta.pot:\n" + "\n".join(problems)


def test_flow_messages_have_no_stigmatising_wording() -> None:
    problems: list[str] = []
    for where, message in sent_messages():
        text, label = (
            (message.text, f"[{message.id}]") if isinstance(message, Msg) else (message, "")
        )
        problems += _describe(f"{where} {label}".strip(), text, find_stigmatising(text))
    assert not problems, "Stigmatising wording in the flow:\n" + "\n".join(problems)
