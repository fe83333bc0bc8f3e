"""The orientation flow: language, consent, profile, needs, interests, money, summary.

Answers are stored under option keys (language-independent); labels are translated.
Nothing here labels a person by their past: the return situation is described in the
person's own words, and urgent help raises an event instead of being stored as a need.
"""

from __future__ import annotations

from bot.flows.geo import REGIONS, prefecture_options
from bot.flows.model import Flow, Option, Step
from bot.i18n import LANGUAGES, M
from bot.types import Answers

__all__ = ["CONSENT_VERSION", "ORIENTATION"]

# Changes whenever the consent text changes in substance; stored with each consent.
CONSENT_VERSION = "2026-11"

SEVERAL = M("hint.several", "Vous pouvez en choisir plusieurs, par exemple : 1,3")

LANGUAGE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "fr": ("francais", "french", "fr"),
    "ff": ("pular", "poular", "pulaar", "peul", "fulfulde", "ff"),
    "emk": ("maninka", "maninkakan", "malinke", "emk"),
    "sus": ("susu", "soussou", "sosso", "sosoxui", "sus"),
    "en": ("english", "anglais", "en"),
}

# Return situations of people who came back themselves (asked how long ago).
CAME_BACK = ("with_programme", "on_own")


def _age_band(years: int) -> str | None:
    """The band of an age typed in years instead of a menu number."""
    if years > 120:
        return None
    for limit, band in ((18, "under_18"), (25, "18_24"), (35, "25_34"), (50, "35_49")):
        if years < limit:
            return band
    return "50_plus"


def _came_back(answers: Answers) -> bool:
    return answers.get("return_situation") in CAME_BACK


ORIENTATION = Flow(
    id="orientation",
    steps=(
        Step(
            "language",
            M(
                "language.ask",
                "Bienvenue sur Orienta ! Welcome! Choisissez votre langue / Choose your language :",
            ),
            options=tuple(
                Option(code, name, synonyms=LANGUAGE_SYNONYMS[code], event="language_chosen")
                for code, name in LANGUAGES.items()
            ),
        ),
        Step(
            "consent",
            M(
                "consent.ask",
                "Orienta aide les personnes revenues de migration, leurs familles et leurs "
                "communautés à trouver une formation, un emploi ou un appui. Nous allons vous "
                "poser quelques questions (5 minutes environ). Vos réponses servent seulement à "
                "vous orienter. Seules l'équipe d'Orienta et l'organisation partenaire qui vous "
                "accompagnera les voient. Vous pouvez tout effacer à tout moment en écrivant "
                "EFFACER. Acceptez-vous ?",
            ),
            options=(
                Option(
                    "yes",
                    M("consent.yes", "Oui, j'accepte"),
                    synonyms=("oui", "yes", "ok"),
                    event="consent_given",
                ),
                Option(
                    "no",
                    M("consent.no", "Non, merci"),
                    synonyms=("non", "no"),
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
            summary=M("region.summary", "Région"),
            followups=("prefecture",),
        ),
        Step(
            "prefecture",
            M("prefecture.ask", "Dans quelle préfecture ou commune ?"),
            options=prefecture_options,
            store="prefecture",
            summary=M("prefecture.summary", "Préfecture ou commune"),
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
            read_number=_age_band,
        ),
        Step(
            "return_situation",
            M("return.ask", "Quelle phrase vous décrit le mieux ?"),
            options=(
                Option(
                    "with_programme",
                    M("return.with_programme", "Je suis rentré(e) avec un programme d'aide"),
                ),
                Option("on_own", M("return.on_own", "Je suis rentré(e) par mes propres moyens")),
                Option("family", M("return.family", "Un membre de ma famille est rentré")),
                Option("community", M("return.community", "Je suis membre de la communauté")),
                Option("thinking_of_leaving", M("return.thinking", "Je pense à partir")),
            ),
            store="return_situation",
            summary=M("return.summary", "Votre situation"),
            followups=("time_since_return",),
        ),
        Step(
            "time_since_return",
            M("since.ask", "Depuis combien de temps êtes-vous de retour ?"),
            options=(
                Option("under_3m", M("since.under_3m", "Moins de 3 mois")),
                Option("3_12m", M("since.3_12m", "3 à 12 mois")),
                Option("1_3y", M("since.1_3y", "1 à 3 ans")),
                Option("over_3y", M("since.over_3y", "Plus de 3 ans")),
            ),
            store="time_since_return",
            when=_came_back,
            summary=M("since.summary", "De retour depuis"),
        ),
        Step(
            "needs",
            M("needs.ask", "De quoi avez-vous besoin ?"),
            kind="multi",
            hint=SEVERAL,
            options=(
                Option("training", M("needs.training", "Une formation")),
                Option("job", M("needs.job", "Un emploi")),
                Option("activity", M("needs.activity", "Créer ou développer une activité")),
                Option("credit", M("needs.credit", "Crédit et épargne")),
                Option(
                    "psychosocial",
                    M("needs.psychosocial", "Soutien psychosocial (parler à quelqu'un)"),
                ),
                Option("health", M("needs.health", "Santé")),
                Option("documents", M("needs.documents", "Papiers et documents")),
                Option("housing", M("needs.housing", "Logement")),
                Option("legal", M("needs.legal", "Conseil juridique")),
                Option(
                    "urgent",
                    M("needs.urgent", "J'ai besoin d'une aide urgente, je suis en danger"),
                    synonyms=("urgence", "urgent", "danger", "sos"),
                    event="urgent_help_requested",
                ),
            ),
            store="needs",
            summary=M("needs.summary", "Vos besoins"),
        ),
        Step(
            "interests",
            M("interests.ask", "Quels métiers vous intéressent ?"),
            kind="multi",
            hint=SEVERAL,
            # Green and blue economy first; one list, in one order, for everyone.
            options=(
                Option("fishing", M("interests.fishing", "Pêche et transformation du poisson")),
                Option(
                    "aquaculture", M("interests.aquaculture", "Aquaculture (élevage de poissons)")
                ),
                Option(
                    "market_gardening",
                    M("interests.market_gardening", "Maraîchage et agroécologie"),
                ),
                Option("agroforestry", M("interests.agroforestry", "Agroforesterie et pépinières")),
                Option("beekeeping", M("interests.beekeeping", "Apiculture (abeilles, miel)")),
                Option(
                    "solar", M("interests.solar", "Énergie solaire : installation et entretien")
                ),
                Option("recycling", M("interests.recycling", "Collecte et recyclage des déchets")),
                Option("ecotourism", M("interests.ecotourism", "Écotourisme")),
                Option("tailoring", M("interests.tailoring", "Couture")),
                Option("mechanics", M("interests.mechanics", "Mécanique")),
                Option("building", M("interests.building", "Bâtiment")),
                Option("beauty", M("interests.beauty", "Coiffure et esthétique")),
                Option("trade", M("interests.trade", "Commerce")),
                Option(
                    "phone_it", M("interests.phone_it", "Réparation de téléphones et informatique")
                ),
                Option(
                    "food_processing", M("interests.food_processing", "Transformation alimentaire")
                ),
                Option(
                    "undecided", M("interests.undecided", "Je ne sais pas encore"), exclusive=True
                ),
            ),
            store="interests",
            summary=M("interests.summary", "Métiers qui vous intéressent"),
        ),
        Step(
            "savings_group",
            M(
                "money.savings_group.ask",
                "Quelques questions sur l'argent, posées à toutes et à tous. "
                "Faites-vous partie d'un groupe d'épargne ou d'une tontine ?",
            ),
            options=(
                Option("now", M("money.savings_group.now", "Oui, en ce moment")),
                Option("before", M("money.savings_group.before", "Oui, avant")),
                Option("never", M("money.savings_group.never", "Non")),
                Option("unknown", M("money.savings_group.unknown", "Je ne sais pas ce que c'est")),
            ),
            store="savings_group",
            summary=M("money.savings_group.summary", "Groupe d'épargne ou tontine"),
        ),
        Step(
            "microcredit",
            M("money.microcredit.ask", "Avez-vous déjà pris un microcrédit ?"),
            options=(
                Option("repaid", M("money.microcredit.repaid", "Oui, remboursé sans difficulté")),
                Option("hard", M("money.microcredit.hard", "Oui, mais difficile à rembourser")),
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
                Option("guarantee", M("money.obstacles.guarantee", "Je n'ai pas de garantie")),
                Option(
                    "family_consent",
                    M(
                        "money.obstacles.family_consent",
                        "Il faut l'accord de mon conjoint ou de ma famille",
                    ),
                ),
                Option(
                    "fear_of_debt", M("money.obstacles.fear_of_debt", "J'ai peur de m'endetter")
                ),
                Option("distance", M("money.obstacles.distance", "L'agence est trop loin")),
                Option(
                    "cost", M("money.obstacles.cost", "Les intérêts et les frais sont trop chers")
                ),
                Option("unknown", M("money.obstacles.unknown", "Je ne sais pas à qui m'adresser")),
                Option("none", M("money.obstacles.none", "Rien ne m'en empêche"), exclusive=True),
            ),
            store="credit_obstacles",
            summary=M("money.obstacles.summary", "Obstacles pour emprunter"),
        ),
        Step(
            "money_control",
            M("money.control.ask", "Qui décide de l'usage de l'argent que vous gagnez ?"),
            options=(
                Option("self", M("money.control.self", "Moi-même")),
                Option("shared", M("money.control.shared", "Moi avec mon conjoint ou ma famille")),
                Option("other", M("money.control.other", "Une autre personne")),
                Option(
                    "no_income",
                    M("money.control.no_income", "Je ne gagne pas d'argent en ce moment"),
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
                Option("group", M("money.save.group", "Dans une tontine ou un groupe d'épargne")),
                Option(
                    "mobile_money",
                    M("money.save.mobile_money", "Par mobile money"),
                    synonyms=("orange money", "momo"),
                ),
                Option(
                    "account", M("money.save.account", "Sur un compte (banque ou microfinance)")
                ),
                Option("home", M("money.save.home", "À la maison")),
                Option("none", M("money.save.none", "Je n'épargne pas en ce moment")),
            ),
            store="save_preference",
            summary=M("money.save.summary", "Pour épargner"),
        ),
        Step(
            "borrow_preference",
            M("money.borrow.ask", "Si vous deviez emprunter, à qui demanderiez-vous d'abord ?"),
            options=(
                Option("group", M("money.borrow.group", "À mon groupe d'épargne ou ma tontine")),
                Option(
                    "microfinance",
                    M("money.borrow.microfinance", "À une institution de microfinance"),
                ),
                Option("bank", M("money.borrow.bank", "À une banque")),
                Option("family", M("money.borrow.family", "À ma famille ou mes amis")),
                Option("none", M("money.borrow.none", "Je ne veux pas emprunter")),
            ),
            store="borrow_preference",
            summary=M("money.borrow.summary", "Pour emprunter"),
        ),
        Step(
            "summary",
            M(
                "summary.ask",
                "Voici vos réponses. Si une réponse n'est pas juste, choisissez son numéro pour "
                "la corriger.",
            ),
            kind="summary",
        ),
    ),
    detached=(
        Step(
            "done",
            M(
                "done.message",
                "Merci ! Vos réponses sont enregistrées. Notre équipe va chercher pour vous des "
                "formations, des emplois ou des appuis près de chez vous, et pourra vous "
                "contacter ici. Écrivez MENU pour recommencer, AIDE pour de l'aide, EFFACER "
                "pour supprimer vos réponses.",
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
        Step(
            "erase_confirm",
            M(
                "erase.ask",
                "Voulez-vous vraiment effacer toutes vos réponses et vos données ? "
                "C'est définitif.",
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
        ),
    ),
)
