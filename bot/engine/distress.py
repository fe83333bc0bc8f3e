"""Distress: a person says, in any words and at any moment, that they are in danger.

People in danger rarely write "danger": they describe what happens to them ("mon mari
me frappe", "ils ont pris mon passeport", "je n'en peux plus"), often in a sentence that
also answers a question. Each category is a phrase list (bot/engine/phrases.py) that
translators extend in their language; the category is what is stored with the request,
never the words. Tuned against the corpora in tests/engine/corpus/distress/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.engine.phrases import PhraseList, searchable
from bot.i18n.translate import M

__all__ = ["CATEGORIES", "Category", "Distress", "detect_distress"]

Category = Literal["self_harm", "violence", "trafficking", "other"]

# Ordinary phrases that contain a pattern: taken out before searching.
ORDINARY = M(
    "distress.ordinary",
    "tuer le temps, tue le temps, me tue de rire, tue de rire, mort de rire, morte de rire, "
    "mort de fatigue, morte de fatigue, a l aide de, a l aide d, aide moi a trouver, "
    "aidez moi a trouver, aide moi a avoir, aidez moi a avoir, aidez moi pour avoir, "
    "danger du metier, les dangers, danger de la route, le danger, sans danger, "
    "pas de danger, la mer est dangereuse, frapper le fer, me suis battu pour, "
    "me suis battue pour, bats pour, bat pour, battu pour, battue pour, ala ye n kisi, "
    "alla hisnu en, ala xa en ratanga, killing time, dying of laughter, sortir ce soir, "
    "sortir aujourd hui, pas libre demain, pas libre ce, libre demain, faim lol, "
    "meurs de faim lol",
)

SELF_HARM = M(
    "distress.self_harm",
    "me suicider, suicid*, je vais me tuer, je veux me tuer, veux me tuer, vais me tuer, "
    "me donner la mort, veux mourir, veut mourir, voudrais mourir, envie de mourir, "
    "prefere mourir, prefererais mourir, vaut mieux mourir, mieux vaut mourir, en finir, "
    "mettre fin a mes jours, mettre fin a ma vie, finir avec la vie, plus envie de vivre, "
    "pas envie de vivre, veux plus vivre, plus la force de vivre, n en peux plus, "
    "en peux plus, je craque, me faire du mal, me pendre, me jeter ~ pont, me jeter ~ eau, "
    "me jeter ~ mer, mieux sans moi, plus de raison de vivre, ma vie n a plus de sens, "
    "a quoi bon vivre, disparaitre pour toujours, me couper les veines, "
    "avaler ~ medicaments, ne plus me reveiller, pense a me tuer, envie de me tuer, "
    "me supprimer, ne serai plus la, serai plus la, fatigue* de vivre, jamais me reveiller, "
    "que je meure, me suis coupe*, me couper, me jeter, tout avaler, pris ~ comprimes, "
    "pris ~ medicaments, plus la force, s arrete pour toujours, la corde, me coupe les, "
    "me couper les, personne ne me regrettera, personne ne va me regretter, suis plus la",
)

VIOLENCE = M(
    "distress.violence",
    "me frapp*, me frape*, m a frapp*, m a frape*, m ont frapp*, m ont frape*, "
    "frapp* ~ moi, me bat, me battent, me batt*, m a battu*, m ont battu*, me tabass*, "
    "m a tabass*, m ont tabass*, me tap*, m a tap*, me gifl*, m a gifl*, me menac*, "
    "m a menac*, m ont menac*, menace* de mort, menace* ~ tuer, on veut me tuer, "
    "veut me tuer, veulent me tuer, va me tuer, vont me tuer, me tuera, me tueront, "
    "me viol*, m a viol*, m ont viol*, viole*, violee, viol, abus* de moi, abuse* ~ moi, "
    "m a forc*, m ont forc*, forc* a coucher, m a agress*, m ont agress*, agress*, "
    "m a touch*, m ont touch*, m a fait du mal, m ont fait du mal, me fait du mal, "
    "me font du mal, me suit partout, me suivent, me poursuiv*, m attaqu*, m a attaqu*, "
    "m a bless*, m ont bless*, brul*, avec un couteau, avec une machette, avec une arme, "
    "un fusil, violence*, violent*, me maltrait*, m a maltrait*, maltrait*, "
    "me traite* comme, chass* de la maison, me chass*, m a chass*, me cherche* pour me, "
    "ma frap*, ma battu*, ma tap*, ma menac*, ma viol*, ma attaqu*, ma bless*, ma agress*, "
    "suis blesse*, me touche la nuit, me touchent la nuit, me touche* quand, lynch*, "
    "leve la main sur moi, ma forcee, ma fait du mal, des bleus partout, casser les jambes, "
    "casser la tete, son couteau, un couteau, me suit depuis",
)

TRAFFICKING = M(
    "distress.trafficking",
    "pris mon passeport, pris mes papiers, pris ma carte, pris mon telephone, "
    "pris mes documents, confisqu*, garde* mon passeport, garde* mes papiers, "
    "gardent mon passeport, gardent mes papiers, sans mes papiers, enferm*, sequestr*, "
    "pas le droit de sortir, droit de sortir, peux pas sortir, pas sortir de la maison, "
    "laisse pas sortir, laissent pas sortir, pas libre, peux pas partir, laisse pas partir, "
    "laissent pas partir, m empech* ~ partir, empech* ~ partir, travaill* sans salaire, "
    "sans salaire, sans etre pay*, jamais pay*, pas pay* ~ mois, travail force, "
    "travaux forces, forc* a travailler, oblig* a travailler, rembourser ~ dette, "
    "dette ~ rembourser, une dette qui, ma dette, leur dette, m ont vendu*, "
    "j ai ete vendu*, ete vendue, trafic*, traite des, esclav*, menac* ma famille, "
    "menac* mes parents, menac* mes enfants, de ville en ville, d une maison a l autre, "
    "m exploit*, exploit* ~ moi, dette ~ augment*, rembourser le voyage, faire du mal a ma, "
    "faire du mal a mon, faire du mal a mes, change* de maison, pay* rien, pai* rien, "
    "garde* ~ papiers, garde* ~ passeport*, garde* ~ telephone, lui dois, leur dois, "
    "travaill* ~ gratuitement, travaill* pour rien, porte a cle, ferm* a cle, "
    "garde* la cle, ont nos passeport*, ont mon passeport, ont mes papiers, "
    "ont nos papiers, ne sort pas, on sort pas, tant que la dette, nous surveill*, "
    "me surveill*, pas le droit de, sors jamais, sort jamais, d une ville a l autre, "
    "me payent pas, me paient pas, me paye pas, me paie pas, ferment la porte, enferme*",
)

OTHER = M(
    "distress.other",
    "en danger, danger de mort, au secours, a l aide, aidez moi, aide moi, sos, urgence, "
    "sauvez moi, sauve moi, peur pour ma vie, j ai peur, help me, enfant* ~ disparu*, "
    "fille ~ disparu*, fils ~ disparu*, enfant* ~ perdu*, enfant ~ kidnapp*, enlev*, "
    "marier ma fille, marier notre fille, marie* de force, mariage force*, "
    "mariage ~ fille ~ ans, exciser, excision, frapp* mon enfant, frapp* mes enfants, "
    "bat mon enfant, bat mes enfants, enfant* ~ travaill* ~ force*, dors dehors, "
    "dormir dehors, dormi dehors, dors dans la rue, dormir dans la rue, pas ou dormir, "
    "nulle part ou dormir, nulle part ou aller, sans abri, a la rue, pas mange depuis, "
    "rien mange depuis, pas mange* ~ jours, rien a manger, pas de quoi manger, faim depuis, "
    "mourir de faim, meurs de faim, malade ~ sans soin*, malade ~ pas d argent, "
    "pas d argent pour ~ soigner, pas d hopital, saigne*, tres malade, pas rentre* depuis, "
    "pas revenu* de, pas revenue* de, cherche* partout, ans travaill*, pris mon fils, "
    "pris ma fille, pris mon enfant, argent pour l hopital, veut ~ soigner, forte fievre, "
    "en mariage, mendi*, jours ~ pas mange*, pas de toit, marier ~ de force, "
    "envoye* ~ travailler, peux pas me lever, ans de force",
)

_LISTS: tuple[tuple[Category, PhraseList], ...] = (
    # Checked in this order: "je veux mourir, il me frappe" gets the self-harm answer.
    ("self_harm", PhraseList(SELF_HARM)),
    ("trafficking", PhraseList(TRAFFICKING)),
    ("violence", PhraseList(VIOLENCE)),
    ("other", PhraseList(OTHER)),
)
CATEGORIES: tuple[Category, ...] = tuple(category for category, _ in _LISTS)


@dataclass(frozen=True)
class Distress:
    category: Category
    language: str
    """The language whose words were found (French when only French words were)."""


def detect_distress(text: str) -> Distress | None:
    """What `text` says of danger, if anything: its category and the language it was
    said in."""
    if not text or not text.strip():
        return None
    message = searchable(text[:2000], ORDINARY)
    for category, phrases in _LISTS:
        found = phrases.find(message)
        if found is not None:
            return Distress(category, found)
    return None
