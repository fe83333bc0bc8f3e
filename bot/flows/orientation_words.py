"""The words people use for the orientation's options, beyond their labels: "travail" for
Emploi, "OIM" for a return with a programme, "orange money" for mobile money.

Written as they are typed (accents or not: they are read in reading form), in any of
the five languages; the labels in the person's language and in French are always
understood as well. `with_words` adds them to a step's options.
"""

from __future__ import annotations

from dataclasses import replace

from bot.flows.model import Flow, Step

__all__ = ["WORDS", "with_words"]

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {
        "woman": ("fille", "dame", "madame", "female", "girl", "debbo", "muso", "ginɛ"),
        "man": ("garçon", "monsieur", "mec", "male", "boy", "gorko", "cɛ", "xɛmɛ"),
        "undisclosed": ("privé", "secret", "rather not say", "pas dire"),
    },
    "return_situation": {
        "with_programme": ("oim", "iom", "programme", "retour volontaire", "ramené", "ong"),
        "on_own": ("seul", "seule", "moi même", "propres moyens", "on my own", "by myself"),
        "family": (
            "fils",
            "fille",
            "frère",
            "sœur",
            "soeur",
            "mari",
            "enfant",
            "cousin",
            "neveu",
            "famille",
            "brother",
            "sister",
            "son",
            "daughter",
            "husband",
            "relative",
            "ɓiɗɗo",
            "musiɗɗo",
            "balima",
            "denbaya",
        ),
        "community": ("communauté", "quartier", "village", "voisin", "community"),
        "thinking_of_leaving": ("partir", "repartir", "voyager", "aventure", "leaving", "leave"),
    },
    "needs": {
        "training": ("apprendre", "apprentissage", "métier", "école", "learn", "xaranyi"),
        "job": ("travail", "travailler", "boulot", "job", "work", "golle", "baara", "wali"),
        "activity": (
            "boutique",
            "business",
            "entreprise",
            "projet",
            "ouvrir",
            "créer",
            "commerce",
        ),
        "credit": ("prêt", "argent", "financement", "capital", "loan", "money", "épargne"),
        "psychosocial": ("parler", "stress", "moral", "psychologue", "écoute", "talk"),
        "health": ("malade", "maladie", "soins", "hôpital", "médicament", "sick", "doctor"),
        "documents": ("papier", "passeport", "carte d'identité", "extrait", "acte", "papers"),
        "housing": ("maison", "loger", "dormir", "chambre", "toit", "house"),
        "legal": ("avocat", "justice", "droit", "juridique", "lawyer", "plainte"),
    },
    "interests": {
        "fishing": ("pêche", "pêcheur", "poisson", "fumage", "fish", "fishing"),
        "aquaculture": ("élevage de poissons", "élevage poisson", "bassin", "fish farm"),
        "market_gardening": ("jardin", "légumes", "maraîchage", "agriculture", "cultiver"),
        "agroforestry": ("arbres", "pépinière", "plants", "trees"),
        "beekeeping": ("miel", "abeilles", "honey", "bees"),
        "solar": ("solaire", "panneau", "panneaux", "électricité", "solar"),
        "recycling": ("déchets", "plastique", "recycler", "ordures", "waste"),
        "ecotourism": ("tourisme", "guide", "tourism"),
        "tailoring": ("couturier", "couturière", "tailleur", "coudre"),
        "mechanics": ("mécanicien", "moto", "garage", "auto", "voiture"),
        "building": ("maçonnerie", "maçon", "construction", "btp", "menuiserie", "soudure"),
        "beauty": ("coiffeur", "coiffeuse", "tresse", "salon", "maquillage"),
        "trade": ("commerçant", "vendre", "vente", "trading", "trade", "njulaagu", "julaya"),
        "phone_it": ("téléphone", "ordinateur", "réparation téléphones", "computer", "phone"),
        "food_processing": ("transformation", "jus", "farine", "huile", "fonio", "étuvage"),
        "undecided": ("sais pas", "aucune idée", "pas encore", "not sure", "don't know"),
    },
    "savings_group": {
        "now": ("maintenant", "actuellement", "en ce moment", "tontine", "now"),
        "before": ("avant", "autrefois", "plus maintenant", "étais", "before"),
        "never": ("jamais", "never"),
        "unknown": ("connais pas", "quoi", "what"),
    },
    "microcredit": {
        "repaid": ("remboursé", "tout payé", "sans problème", "repaid"),
        "hard": ("difficile", "dur", "du mal", "pas pu", "hard"),
        "never": ("jamais", "never"),
    },
    "credit_obstacles": {
        "guarantee": ("garantie", "caution", "guarantee"),
        "family_consent": ("mari", "femme", "conjoint", "famille", "accord"),
        "fear_of_debt": ("peur", "dettes", "endetter", "debt"),
        "distance": ("loin", "agence", "distance", "far"),
        "cost": ("intérêts", "cher", "chers", "frais", "taux", "expensive"),
        "unknown": ("qui m'adresser", "sais pas à qui"),
        "none": ("rien", "nothing"),
    },
    "money_control": {
        "self": ("moi seul", "moi seule", "je décide", "décide"),
        "shared": ("ensemble", "mari", "conjoint", "nous deux", "famille", "husband", "wife"),
        "other": ("quelqu'un d'autre", "père", "mère", "oncle", "patron", "someone else"),
        "no_income": ("pas d'argent", "revenu", "sans revenu", "chômage", "no income"),
    },
    "save_preference": {
        "group": ("tontine", "groupe"),
        "mobile_money": ("orange money", "momo", "mtn", "téléphone", "mobile"),
        "account": ("banque", "compte", "microfinance", "bank"),
        "home": ("maison", "chez moi", "home", "galle"),
        "none": ("rien", "n'épargne pas", "épargne pas"),
    },
    "borrow_preference": {
        "group": ("tontine", "groupe"),
        "microfinance": ("microfinance", "imf"),
        "bank": ("banque", "bank", "banki"),
        "family": ("famille", "amis", "parents", "frère", "cousin", "friends", "family"),
        "none": ("personne", "pas emprunter", "nobody", "no one"),
    },
}


def with_words(flow: Flow) -> Flow:
    """`flow` with WORDS added to the synonyms of its steps' options."""
    return replace(flow, steps=tuple(map(_step_with_words, flow.steps)))


def _step_with_words(step: Step) -> Step:
    """A step whose options are computed, as the prefecture's, is returned as it is."""
    extra = WORDS.get(step.id)
    if not extra or callable(step.options):
        return step
    options = tuple(replace(o, synonyms=(*o.synonyms, *extra.get(o.key, ()))) for o in step.options)
    return replace(step, options=options)
