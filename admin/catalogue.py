"""The fixed lists the partner and service pages choose from, with their labels: kinds of
partner, how a focal point is told, languages, the sectors a service answers (the need
and trade keys the orientation stores, bot/flows/orientation.py), regions and
prefectures (bot/flows/geo.py), audiences, booking statuses. Keys are what the bot
stores; labels are shown in the admin's language.

Also `in_language`: a service's text in one language, or the French one marked as
standing in for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.support import LazyProxy

from admin.i18n import current_language, gettext_, lazy
from bot.flows.geo import PREFECTURES, REGIONS, prefecture_name, region_of
from bot.flows.orientation import ORIENTATION
from bot.flows.runner import label_text

__all__ = [
    "AUDIENCES",
    "FOCAL_CHANNELS",
    "LANGUAGES",
    "PARTNER_KINDS",
    "STATUSES",
    "Shown",
    "in_language",
    "label",
    "labels",
    "need_keys",
    "prefecture_choices",
    "prefecture_label",
    "region_choices",
    "sector_choices",
]

PARTNER_KINDS: dict[str, LazyProxy] = {
    "red_cross": lazy("Croix-Rouge"),
    "ngo": lazy("ONG, association"),
    "training_centre": lazy("Centre de formation"),
    "microfinance": lazy("Microfinance"),
    "public_service": lazy("Service public"),
}
FOCAL_CHANNELS: dict[str, LazyProxy] = {
    "sms": lazy("SMS"),
    "whatsapp": lazy("WhatsApp"),
    "email": lazy("E-mail"),
    "none": lazy("Aucun (pas de message)"),
}
LANGUAGES: dict[str, LazyProxy] = {
    "fr": lazy("Français"),
    "ff": lazy("Pular"),
    "emk": lazy("Maninka"),
    "sus": lazy("Soussou"),
    "en": lazy("Anglais"),
}
AUDIENCES: dict[str, LazyProxy] = {
    "everyone": lazy("Tout le monde"),
    "women": lazy("Femmes seulement"),
    "youth": lazy("Jeunes (moins de 35 ans)"),
}
STATUSES: dict[str, LazyProxy] = {
    "booked": lazy("réservé"),
    "requested": lazy("demandé (sans créneau)"),
    "cancelled": lazy("annulé"),
    "attended": lazy("présent"),
    "missed": lazy("absent"),
}
NOT_SECTORS = frozenset({"urgent", "undecided"})
"""Answers that are not something a service offers: urgent help, "not decided yet"."""


def label(table: dict[str, LazyProxy], key: str) -> str:
    """The label of `key`, or the key itself when the list no longer has it."""
    found = table.get(key)
    return str(found) if found is not None else key


def labels(table: dict[str, LazyProxy]) -> list[tuple[str, str]]:
    return [(key, str(text)) for key, text in table.items()]


def _options(step_id: str) -> list[tuple[str, str]]:
    lang = current_language()
    return [
        (o.key, label_text(o, lang))
        for o in ORIENTATION.step(step_id).options_for({})
        if o.key not in NOT_SECTORS and o.event is None
    ]


def need_keys() -> frozenset[str]:
    return frozenset(key for key, _ in _options("needs"))


def sector_choices() -> list[tuple[str, str]]:
    """Needs first, then trades, in the orientation's order."""
    return _options("needs") + _options("interests")


def region_choices() -> list[tuple[str, str]]:
    lang = current_language()
    return [(o.key, label_text(o, lang)) for o in REGIONS]


def prefecture_choices() -> list[tuple[str, str]]:
    """Every prefecture (Conakry: its communes) with its region, « — » for unknown."""
    regions = dict(region_choices())
    choices = [("", gettext_("— lieu inconnu —"))]
    for region, items in PREFECTURES.items():
        choices += [(key, f"{name} ({regions[region]})") for key, name in items]
    return choices


def prefecture_label(key: str | None) -> str:
    if not key:
        return "—"
    region = dict(region_choices()).get(region_of(key) or "", "")
    name = prefecture_name(key) or key
    return f"{name} ({region})" if region else name


@dataclass(frozen=True)
class Shown:
    """A text as the page shows it for one language."""

    text: str
    fallback: bool
    """The language has none: `text` is the French one."""


def in_language(texts: dict[str, str], lang: str) -> Shown:
    own = (texts.get(lang) or "").strip()
    if own:
        return Shown(own, False)
    return Shown((texts.get("fr") or "").strip(), lang != "fr")
