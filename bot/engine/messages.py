"""What the engine itself says: confirmations of the keywords, the urgent-help answer,
the welcome back, and the messages around identities, voice and languages. (A flow's
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
HELP = M(
    "help.message",
    "Aide : répondez avec le numéro de votre choix (par exemple 1). Mots utiles, à tout "
    "moment : MENU pour recommencer, LANGUE pour changer de langue, STOP pour ne plus "
    "recevoir de messages, EFFACER pour supprimer vos réponses, URGENCE si vous êtes en "
    "danger.",
)
URGENT = M(
    "urgent.message",
    "Votre sécurité passe avant tout. {hotlines} Votre demande d'aide est enregistrée : "
    "l'équipe d'Orienta la verra.",
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
LANGUAGE_PENDING = M(
    "language.pending",
    "Les messages en {language} sont en préparation. En attendant, nous continuons en "
    "français. Écrivez LANGUE pour changer.",
)
