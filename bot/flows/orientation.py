"""The orientation flow: language, consent, profile, needs, interests, money, summary.

Answers are stored under option keys (language-independent); labels are translated.
Nothing here labels a person by their past: the return situation is described in the
person's own words, and urgent help raises an event instead of being stored as a need.
"""

from __future__ import annotations

from bot.flows.booking import BOOKING_STEPS
from bot.flows.common import ERASE_STEP, HELP_STEPS, LANGUAGE_STEP
from bot.flows.geo import REGIONS, prefecture_options
from bot.flows.model import Flow, Option, Step
from bot.flows.orientation_readers import (
    read_age,
    read_prefecture,
    read_region,
    read_since,
)
from bot.flows.orientation_words import with_words
from bot.i18n.translate import M
from bot.types import Answers

__all__ = ["CONSENT_VERSION", "ORIENTATION"]

# Changes whenever the consent text changes in substance; stored with each consent.
CONSENT_VERSION = "2026-11"

SEVERAL = M("hint.several", "Plusieurs choix possibles, ex. : 1,3")


# Return situations of people who came back themselves (asked how long ago).
CAME_BACK = ("with_programme", "on_own")


def _came_back(answers: Answers) -> bool:
    return answers.get("return_situation") in CAME_BACK


# The words people use for the options (bot/flows/orientation_words.py) are added last.
_ORIENTATION = Flow(
    id="orientation",
    steps=(
        LANGUAGE_STEP,
        Step(
            "consent",
            M(
                "consent.ask",
                "Orienta aide les personnes revenues de migration, leurs familles et "
                "communautés à trouver formation, emploi ou appui. 5 min de questions. Vos "
                "réponses servent seulement à vous orienter ; seuls Orienta et votre partenaire "
                "les voient. EFFACER efface tout, à tout moment. Acceptez-vous ?",
            ),
            options=(
                Option(
                    "yes",
                    M("consent.yes", "Oui"),
                    synonyms=("oui", "yes", "ok", "j'accepte", "oui j'accepte", "d'accord"),
                    event="consent_given",
                ),
                Option(
                    "no",
                    M("consent.no", "Non"),
                    synonyms=("non", "no", "non merci", "je refuse", "refuse"),
                    event="consent_refused",
                    goto="refused",
                ),
            ),
        ),
        Step(
            "region",
            M("region.ask", "Dans quelle région vivez-vous maintenant ?"),
            options=REGIONS,
            store="region",
            summary=M("region.summary", "Lieu"),
            followups=("prefecture",),
            read=read_region,
        ),
        Step(
            "prefecture",
            M("prefecture.ask", "Dans quelle préfecture ou commune ?"),
            options=prefecture_options,
            store="prefecture",
            read=read_prefecture,
            # Read back on the region's line.
        ),
        Step(
            "gender",
            M(
                "gender.ask",
                "Vous êtes… (cela nous aide à proposer des appuis adaptés à chacune et chacun)",
            ),
            options=(
                Option("woman", M("gender.woman", "Une femme"), synonyms=("femme", "woman")),
                Option("man", M("gender.man", "Un homme"), synonyms=("homme", "man")),
                Option("undisclosed", M("gender.undisclosed", "Je préfère ne pas le dire")),
            ),
            store="gender",
            summary=M("gender.summary", "Vous êtes"),
        ),
        Step(
            "age_band",
            M("age.ask", "Quel âge avez-vous ?"),
            options=(
                Option("under_18", M("age.under_18", "Moins de 18 ans")),
                Option("18_24", M("age.18_24", "18 à 24 ans"), synonyms=("18 24",)),
                Option("25_34", M("age.25_34", "25 à 34 ans"), synonyms=("25 34",)),
                Option("35_49", M("age.35_49", "35 à 49 ans"), synonyms=("35 49",)),
                Option("50_plus", M("age.50_plus", "50 ans ou plus")),
            ),
            store="age_band",
            summary=M("age.summary", "Âge"),
            read=read_age,
        ),
        Step(
            "return_situation",
            M("return.ask", "Votre situation ?"),
            options=(
                Option(
                    "with_programme",
                    M("return.with_programme", "Rentré(e) avec un programme d'aide"),
                ),
                Option("on_own", M("return.on_own", "Rentré(e) par mes moyens")),
                Option("family", M("return.family", "Un proche est rentré")),
                Option("community", M("return.community", "Je suis de la communauté")),
                Option("thinking_of_leaving", M("return.thinking", "Je pense à partir")),
            ),
            store="return_situation",
            summary=M("return.summary", "Situation"),
            followups=("time_since_return",),
        ),
        Step(
            "time_since_return",
            M("since.ask", "Depuis quand êtes-vous de retour ?"),
            options=(
                Option("under_3m", M("since.under_3m", "Moins de 3 mois")),
                Option("3_12m", M("since.3_12m", "3 à 12 mois")),
                Option("1_3y", M("since.1_3y", "1 à 3 ans")),
                Option("over_3y", M("since.over_3y", "Plus de 3 ans")),
            ),
            store="time_since_return",
            when=_came_back,
            read=read_since,
            # Read back on the situation's line.
        ),
        Step(
            "needs",
            M("needs.ask", "De quoi avez-vous besoin ?"),
            kind="multi",
            hint=SEVERAL,
            options=(
                Option("training", M("needs.training", "Formation")),
                Option("job", M("needs.job", "Emploi")),
                Option("activity", M("needs.activity", "Créer/développer une activité")),
                Option("credit", M("needs.credit", "Crédit et épargne")),
                Option(
                    "psychosocial",
                    M("needs.psychosocial", "Soutien psychosocial"),
                ),
                Option("health", M("needs.health", "Santé")),
                Option("documents", M("needs.documents", "Papiers")),
                Option("housing", M("needs.housing", "Logement")),
                Option("legal", M("needs.legal", "Conseil juridique")),
                Option(
                    "urgent",
                    M("needs.urgent", "Aide urgente, je suis en danger"),
                    synonyms=("urgence", "urgent", "danger", "sos"),
                    event="urgent_help_requested",
                ),
            ),
            store="needs",
            summary=M("needs.summary", "Besoins"),
        ),
        Step(
            "interests",
            M("interests.ask", "Quels métiers vous intéressent ?"),
            kind="multi",
            hint=SEVERAL,
            # Green and blue economy first; one list, in one order, for everyone.
            options=(
                Option("fishing", M("interests.fishing", "Pêche, fumage du poisson")),
                Option("aquaculture", M("interests.aquaculture", "Pisciculture")),
                Option(
                    "market_gardening",
                    M("interests.market_gardening", "Maraîchage, agroécologie"),
                ),
                Option("agroforestry", M("interests.agroforestry", "Agroforesterie, pépinières")),
                Option("beekeeping", M("interests.beekeeping", "Apiculture (miel)")),
                Option("solar", M("interests.solar", "Énergie solaire")),
                Option("recycling", M("interests.recycling", "Recyclage des déchets")),
                Option("ecotourism", M("interests.ecotourism", "Écotourisme")),
                Option("tailoring", M("interests.tailoring", "Couture")),
                Option("mechanics", M("interests.mechanics", "Mécanique")),
                Option("building", M("interests.building", "Bâtiment")),
                Option("beauty", M("interests.beauty", "Coiffure, esthétique")),
                Option("trade", M("interests.trade", "Commerce")),
                Option("phone_it", M("interests.phone_it", "Téléphones, informatique")),
                Option(
                    "food_processing", M("interests.food_processing", "Transformation alimentaire")
                ),
                Option(
                    "undecided", M("interests.undecided", "Je ne sais pas encore"), exclusive=True
                ),
            ),
            store="interests",
            summary=M("interests.summary", "Métiers"),
        ),
        Step(
            "savings_group",
            M(
                "money.savings_group.ask",
                "Questions sur l'argent, posées à toutes et à tous. "
                "Êtes-vous dans un groupe d'épargne ou une tontine ?",
            ),
            options=(
                Option("now", M("money.savings_group.now", "Oui, maintenant")),
                Option("before", M("money.savings_group.before", "Oui, avant")),
                Option("never", M("money.savings_group.never", "Non")),
                Option("unknown", M("money.savings_group.unknown", "Je ne connais pas")),
            ),
            store="savings_group",
            summary=M("money.savings_group.summary", "Tontine"),
        ),
        Step(
            "microcredit",
            M("money.microcredit.ask", "Avez-vous déjà pris un microcrédit ?"),
            options=(
                Option("repaid", M("money.microcredit.repaid", "Oui, remboursé sans peine")),
                Option("hard", M("money.microcredit.hard", "Oui, difficile à rembourser")),
                Option("never", M("money.microcredit.never", "Non, jamais")),
                Option(
                    "undisclosed", M("money.microcredit.undisclosed", "Je préfère ne pas le dire")
                ),
            ),
            store="microcredit",
            summary=M("money.microcredit.summary", "Microcrédit"),
        ),
        Step(
            "credit_obstacles",
            M("money.obstacles.ask", "Qu'est-ce qui vous empêche d'emprunter ?"),
            kind="multi",
            hint=SEVERAL,
            options=(
                Option("guarantee", M("money.obstacles.guarantee", "Pas de garantie")),
                Option(
                    "family_consent",
                    M(
                        "money.obstacles.family_consent",
                        "Il faut l'accord du conjoint ou de la famille",
                    ),
                ),
                Option("fear_of_debt", M("money.obstacles.fear_of_debt", "Peur de m'endetter")),
                Option("distance", M("money.obstacles.distance", "Agence trop loin")),
                Option("cost", M("money.obstacles.cost", "Intérêts et frais trop chers")),
                Option("unknown", M("money.obstacles.unknown", "Je ne sais pas à qui m'adresser")),
                Option("none", M("money.obstacles.none", "Rien ne m'en empêche"), exclusive=True),
            ),
            store="credit_obstacles",
            summary=M("money.obstacles.summary", "Obstacles"),
        ),
        Step(
            "money_control",
            M("money.control.ask", "Qui décide de l'usage de votre argent ?"),
            options=(
                Option("self", M("money.control.self", "Moi-même")),
                Option("shared", M("money.control.shared", "Moi avec mon conjoint/famille")),
                Option("other", M("money.control.other", "Quelqu'un d'autre")),
                Option(
                    "no_income",
                    M("money.control.no_income", "Je ne gagne pas d'argent"),
                ),
                Option("undisclosed", M("money.control.undisclosed", "Je préfère ne pas le dire")),
            ),
            store="money_control",
            # Not read back in the summary: the phone may be shared with the person who
            # decides.
        ),
        Step(
            "save_preference",
            M("money.save.ask", "Comment préférez-vous épargner ?"),
            options=(
                Option("group", M("money.save.group", "Tontine ou groupe d'épargne")),
                Option(
                    "mobile_money",
                    M("money.save.mobile_money", "Mobile money"),
                    synonyms=("orange money", "momo"),
                ),
                Option("account", M("money.save.account", "Compte en banque ou microfinance")),
                Option("home", M("money.save.home", "À la maison")),
                Option("none", M("money.save.none", "Je n'épargne pas")),
            ),
            store="save_preference",
            summary=M("money.save.summary", "Épargne"),
        ),
        Step(
            "borrow_preference",
            M("money.borrow.ask", "À qui emprunteriez-vous d'abord ?"),
            options=(
                Option("group", M("money.borrow.group", "Mon groupe d'épargne ou ma tontine")),
                Option(
                    "microfinance",
                    M("money.borrow.microfinance", "Une microfinance"),
                ),
                Option("bank", M("money.borrow.bank", "Une banque")),
                Option("family", M("money.borrow.family", "Ma famille ou mes amis")),
                Option("none", M("money.borrow.none", "Je ne veux pas emprunter")),
            ),
            store="borrow_preference",
            summary=M("money.borrow.summary", "Emprunt"),
        ),
        Step(
            "summary",
            M(
                "summary.ask",
                "Vos réponses. Envoyez un numéro pour corriger.",
            ),
            kind="summary",
        ),
    ),
    detached=(
        Step(
            "done",
            M(
                "done.message",
                "Merci, c'est enregistré ! Nous cherchons des formations, emplois et appuis près "
                "de chez vous, et vous écrirons ici. AIDE : aide. EFFACER : tout supprimer.",
            ),
            kind="end",
        ),
        Step(
            "refused",
            M(
                "consent.refused",
                "Nous respectons votre choix. Nous n'avons gardé aucune réponse. Si vous changez "
                "d'avis, écrivez-nous quand vous voulez. {hotlines}",
            ),
            kind="end",
        ),
        ERASE_STEP,
        *HELP_STEPS,
        *BOOKING_STEPS,
    ),
)
ORIENTATION = with_words(_ORIENTATION)
