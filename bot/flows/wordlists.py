"""The words the runner reads sentences with: filler, yes and no, numbers, units of time.

Each list is a translatable message, like the keywords (bot/engine/keywords.py): the
French source lists French words (and, until the catalogs have them, the English, Pular,
Maninka and Susu words we know); a translation adds the words people use in its
language. The runner reads the union of every language's list, so a person who mixes
languages is understood too. Extending a list needs no code.

Formats: words separated by commas; for numbers and time phrases, `words=value`.
"""

from __future__ import annotations

from functools import lru_cache

from bot.i18n.languages import codes, version
from bot.i18n.translate import M, Msg, translate

__all__ = [
    "DAYS",
    "FILLER",
    "MONTHS",
    "NO_WORDS",
    "NUMBER_JOINERS",
    "NUMBER_WORDS",
    "TIME_PHRASES",
    "WEEKS",
    "YEARS",
    "YES_WORDS",
    "pairs",
    "words",
]

# Words around an answer that say nothing about it: "je suis une femme", "j'habite à Boké".
# Removed from what people write and from the options' names alike.
FILLER = M(
    "understand.filler",
    "je suis, j'ai, jai, jsuis, chuis, je voudrais, je veux, j'aimerais, je souhaite, "
    "je cherche, j'habite à, "
    "j'habite, je vis à, je vis, je prends, je choisis, il y a, y a, ça fait, ca fait, depuis, "
    "c'est, moi je, je, j, tu, il, elle, on, nous, un, une, le, la, les, l, de, du, des, d, "
    "au, aux, à, en, dans, pour, mon, ma, mes, m, ce, cet, cette, ça, qui, que, est, sont, "
    "suis, ai, besoin, voudrais, veux, aimerais, vraiment, svp, stp, s'il vous plaît, "
    "merci, bonjour, bonsoir, salut, euh, bah, ben, alors, option, numéro, choix, ville, "
    "centre, moi, et, ou, "
    "i, i am, i'm, im, i have, i want, i would like, i'd like, i need, a, the, my, of, to, "
    "in, at, it, is, it's, please, thanks, thank you, hello, hi, live, from, want, need, "
    "would, like, old, city, town, and, or, "
    "mi, ko, miin, mi yiɗi, yiɗi, mi woni, woni, mi hoɗi, hoɗi, ka, am, "
    "n, ye, be, bɛ, dɔ, n sigilen, ni, "
    "na, nan, ra, xa, n dɔxi, dɔxi, wo, nun",
)
YES_WORDS = M(
    "understand.yes",
    "oui, ouais, ouai, wi, ui, ok, okay, oki, d'accord, dac, dak, d'acc, j'accepte, jaccepte, "
    "accepte, "
    "j'accepte bien, accepter, bien sûr, bien, bon, c'est bon, volontiers, allons-y, vas-y, "
    "je veux bien, "
    "yes, yeah, yep, sure, agree, i agree, accept, i accept, "
    "eey, ey, eyyo, mi jaɓii, jaɓii, "
    "awɔ, awo, n sɔnna, sɔnna, sɔn, "
    "iyo, n tinxi, tinxi",
)
NO_WORDS = M(
    "understand.no",
    "non, nan, nn, non merci, je refuse, refuse, refuser, pas d'accord, je ne veux pas, "
    "ne veux pas, veux pas, "
    "no, nope, no thanks, i refuse, i don't agree, don't agree, "
    "alaa, mi jaɓaani, jaɓaani, "
    "ayi, ayii, n ma sɔn, ma sɔn, "
    "ade, adee, n mu tin",
)
# Numbers written as words: "vingt-sept", "twenty seven", Pular "noogaas e jowi".
NUMBER_WORDS = M(
    "understand.numbers",
    "zéro=0, un=1, une=1, deux=2, trois=3, quatre=4, cinq=5, six=6, sept=7, huit=8, neuf=9, "
    "dix=10, onze=11, douze=12, treize=13, quatorze=14, quinze=15, seize=16, vingt=20, "
    "vingts=20, trente=30, quarante=40, cinquante=50, soixante=60, cent=100, "
    "one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8, nine=9, ten=10, "
    "eleven=11, twelve=12, thirteen=13, fourteen=14, fifteen=15, sixteen=16, seventeen=17, "
    "eighteen=18, nineteen=19, twenty=20, thirty=30, forty=40, fifty=50, sixty=60, "
    "seventy=70, eighty=80, ninety=90, hundred=100, "
    "go'o=1, ɗiɗi=2, tati=3, nay=4, nayi=4, jowi=5, jeegom=6, jeego=6, jeeɗiɗi=7, "
    "jeetati=8, jeenay=9, jeenayi=9, sappo=10, noogaas=20, capanɗe tati=30, "
    "capanɗe nay=40, capanɗe nayi=40, capanɗe jowi=50, "
    "kelen=1, fila=2, saba=3, naani=4, duuru=5, wɔɔrɔ=6, wɔrɔnwula=7, wolonwula=7, "
    "seegin=8, segin=8, kɔnɔntɔn=9, tan=10, mugan=20, bisaba=30, binaani=40, biduuru=50, "
    "keren=1, firin=2, saxan=3, suuli=5, senni=6, solofere=7, solomasaxan=8, "
    "solomanaani=9, fu=10, mɔxɔɲɛn=20, tɔngɔ saxan=30, tɔngɔ naani=40, tɔngɔ suuli=50",
)
# Between the words of one number: "vingt et un", "twenty and one", "mugan ni duuru".
NUMBER_JOINERS = M("understand.number_joiners", "et, and, e, ni, nun")
YEARS = M(
    "understand.years",
    "an, ans, année, années, year, years, yr, yrs, duuɓi, hitaande, hitaanɗe, san, ɲɛ",
)
MONTHS = M("understand.months", "mois, month, months, lebbi, lewru, kalo, kike")
WEEKS = M("understand.weeks", "semaine, semaines, sem, week, weeks, yontere, dɔgɔkun")
DAYS = M("understand.days", "jour, jours, day, days, balɗe, ñalnde, lon, lɔxɔ")
# How long ago, in months (a range when the words do not say more precisely).
TIME_PHRASES = M(
    "understand.time_phrases",
    "hier=0, aujourd'hui=0, avant-hier=0, cette semaine=0, la semaine dernière=0, "
    "semaine dernière=0, ce mois-ci=0, ce mois=0, le mois dernier=1, mois dernier=1, "
    "récemment=1, l'année dernière=6-23, année dernière=6-23, l'an dernier=6-23, "
    "an dernier=6-23, cette année=0-11, "
    "yesterday=0, today=0, this week=0, last week=0, this month=0, last month=1, "
    "recently=1, last year=6-23, this year=0-11",
)


def words(msg: Msg) -> tuple[str, ...]:
    """Every word or phrase of `msg` in every language, in reading form, longest first."""
    return _words(msg, version())


def pairs(msg: Msg) -> dict[str, str]:
    """`words=value` entries of `msg` in every language, in reading form."""
    return _pairs(msg, version())


@lru_cache(maxsize=64)
def _words(msg: Msg, _languages: int) -> tuple[str, ...]:
    from bot.flows.words import reading_form  # words.py reads the lists: no cycle at import

    found = {
        reading_form(word)
        for lang in codes()
        for word in translate(msg, lang).split(",")
        if reading_form(word)
    }
    return tuple(sorted(found, key=lambda w: (-len(w.split()), -len(w), w)))


@lru_cache(maxsize=16)
def _pairs(msg: Msg, _languages: int) -> dict[str, str]:
    from bot.flows.words import reading_form

    found: dict[str, str] = {}
    for lang in codes():
        for entry in translate(msg, lang).split(","):
            word, _, value = entry.partition("=")
            if reading_form(word) and value.strip():
                found.setdefault(reading_form(word), value.strip())
    return found
