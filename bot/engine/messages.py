"""What the engine itself says: confirmations of the keywords, the answers to calls for
help and to requests for a person, the welcome back, and the messages around
identities, voice and languages. (A flow's
questions are in the flow; the booking's in bot/booking/desk.py.)"""

from __future__ import annotations

from bot.i18n.translate import M

HOTLINES = M("hotlines.list", "En cas d'urgence, appelez : {numbers}.")
NO_HOTLINES = M(
    "hotlines.none",
    "En cas d'urgence, allez au poste de la Croix-Rouge ou au centre de santé le plus proche.",
)
STOPPED = M(
    "stop.confirmed",
    "C'est noté : vous ne recevrez plus de messages d'Orienta. Écrivez REPRENDRE (ou START) "
    "pour reprendre. Vos réponses sont gardées ; écrivez EFFACER pour les supprimer.",
)
RESTARTED_AFTER_STOP = M("start.confirmed", "Re-bonjour ! Orienta vous écrit de nouveau.")
HELP_STOPPED = M(  # AIDE written after STOP
    "help.stopped",
    "Vous ne recevez plus nos messages. Écrivez REPRENDRE (ou START) pour reprendre.",
)
HELP = M(
    "help.message",
    "Aide : répondez avec le numéro de votre choix (par exemple 1). Mots utiles, à tout "
    "moment : MENU pour recommencer, LANGUE pour changer de langue, STOP pour ne plus "
    "recevoir de messages, EFFACER pour supprimer vos réponses, URGENCE si vous êtes en "
    "danger.",
)
URGENT = M(
    "urgent.message",
    "Merci de nous l'avoir écrit. Votre sécurité passe avant tout. {hotlines} L'équipe "
    "d'Orienta peut aussi vous écrire pour chercher de l'aide avec vous.",
)
SELF_HARM = M(  # after words of self-harm: care first, someone to reach now
    "urgent.self_harm",
    "Merci de nous l'avoir écrit. Ce que vous vivez compte, et vous n'êtes pas seul(e). "
    "Parlez dès maintenant à une personne de confiance. {hotlines}",
)
URGENT_FOLLOWED = M(  # a call for help while a staff member already has the request
    "urgent.followed",
    "Votre sécurité passe avant tout. {hotlines} Une personne de l'équipe suit déjà votre demande.",
)
HELP_WHEN_OPEN = M("help.when.open", "L'équipe lit les demandes aujourd'hui jusqu'à {closes}.")
HELP_WHEN_CLOSED = M("help.when.closed", "L'équipe lira votre demande à partir de {opens}.")
HELP_WILL_WRITE = M(
    "help.will_write", "Merci, c'est noté : une personne de l'équipe vous écrira ici. {when}"
)
HELP_WILL_WRITE_OR_CALL = M(
    "help.will_write_or_call",
    "Merci, c'est noté : une personne de l'équipe vous écrira ou vous appellera. {when}",
)
HELP_NOT_SAFE = M(
    "help.not_safe",
    "D'accord : personne ne vous écrira sur ce numéro. Écrivez-nous quand vous pourrez le "
    "faire sans risque : une personne vous répondra. Les numéros d'urgence restent valables.",
)
HELP_LATER = M(
    "help.later",
    "D'accord. Votre demande reste enregistrée. Écrivez URGENCE pour revoir les numéros d'urgence.",
)
HELP_WAITING = M("help.waiting", "Votre demande d'aide est bien enregistrée.")
HANDOFF = M(
    "handoff.message",
    "D'accord : une personne de l'équipe vous répondra ici. {when} En attendant, vous "
    "pouvez continuer.",
)
HANDOFF_AGAIN = M(
    "handoff.again", "Votre demande est déjà transmise : une personne vous répondra ici. {when}"
)
ERASED = M(
    "erase.done",
    "Toutes vos réponses et vos données ont été effacées. Si vous nous écrivez à nouveau, "
    "nous recommencerons depuis le début.",
)
NOT_ERASED = M("erase.cancelled", "D'accord, rien n'a été effacé.")
WELCOME_BACK = M(
    "resume.message",
    "Re-bonjour ! Nous reprenons là où vous en étiez. Écrivez MENU pour recommencer "
    "depuis le début.",
)
PHONE_LINKED = M(
    "phone.linked",
    "Merci, votre numéro est enregistré : vous pouvez continuer ici, par SMS ou par WhatsApp, "
    "avec les mêmes réponses.",
)
SHARE_PHONE_OFFER = M(
    "phone.offer",
    "Si vous le souhaitez, partagez votre numéro de téléphone avec le bouton ci-dessous : "
    "nos partenaires pourront aussi vous écrire par SMS. Ce n'est pas obligatoire.",
)
VOICE_ON = M(
    "voice.on",
    "D'accord : quand une question est enregistrée, vous recevrez aussi l'audio. Écrivez "
    "TEXTE pour ne plus le recevoir.",
)
VOICE_OFF = M(
    "voice.off",
    "D'accord : vous recevrez seulement le texte. Écrivez ÉCOUTER pour recevoir l'audio.",
)
VOICE_ON_ELSEWHERE = M(  # ÉCOUTER written by SMS, which cannot carry audio
    "voice.on_elsewhere",
    "D'accord : les questions enregistrées vous seront envoyées en audio sur WhatsApp ou "
    "Telegram, pas par SMS. Écrivez TEXTE pour revenir au texte seul.",
)
HELP_VOICE = M(  # after the help, on WhatsApp and Telegram only
    "help.voice",
    "Écrivez ÉCOUTER pour recevoir aussi les questions en audio, TEXTE pour le texte seul.",
)
LANGUAGE_CHANGE = M(  # LANGUE mid-flow: no welcome again
    "language.change", "Choisissez votre langue / Choose your language :"
)
LANGUAGE_PENDING = M(
    "language.pending",
    "Les messages en {language} sont en préparation. En attendant, nous continuons en "
    "français. Écrivez LANGUE pour changer.",
)
