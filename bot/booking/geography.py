"""How far a service is from a person, and how its place is said.

A service is *in* one prefecture (`Service.prefecture`, a key of bot/flows/geo.py; None
when unknown) and serves regions (and optionally some prefectures). What a person is told
must be true of where they would have to go:

- "près de chez vous" only for a service in their own prefecture;
- otherwise the place is named: "à Boké" in their region, "à Dalaba, région de Mamou"
  beyond it (and the offer says their region has nothing of the kind);
- the first slot offered for a service in another prefecture or region leaves time to
  travel (`ORIENTA_LEAD_HOURS_OTHER_PREFECTURE`, `ORIENTA_LEAD_HOURS_OTHER_REGION`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Literal

from bot.flows.geo import REGIONS, region_of
from bot.flows.runner import label_text
from bot.settings import Settings

__all__ = [
    "MIN_NOTICE",
    "Distance",
    "distance",
    "lead_time",
    "region_name",
]

Distance = Literal["prefecture", "region", "nearby"]
"""In the person's prefecture; elsewhere in their region; in another region. ("nearby" is
the name stored in conversations of earlier releases for another region.)"""

MIN_NOTICE = timedelta(hours=2)
"""A slot starting sooner than this is not offered any more, even next door."""

_REGION_OPTIONS = {option.key: option for option in REGIONS}


def region_name(region: str, lang: str) -> str:
    option = _REGION_OPTIONS.get(region)
    return label_text(option, lang) if option is not None else region


def distance(
    person_region: str | None,
    person_prefecture: str | None,
    service_prefecture: str | None,
    service_regions: Iterable[str],
) -> Distance | None:
    """Where the service is from the person's point of view; None when the person has
    not said where they live. A service whose place is unknown is never "in their
    prefecture": it is in their region when it serves it, else in another one."""
    if person_region is None:
        return None
    service_region = region_of(service_prefecture)
    if service_region is not None:
        if service_prefecture == person_prefecture:
            return "prefecture"
        return "region" if service_region == person_region else "nearby"
    return "region" if person_region in set(service_regions) else "nearby"


def lead_time(where: Distance | None, settings: Settings) -> timedelta:
    """How soon the first slot offered may start: time to travel to another prefecture
    or region, never less than the notice every slot needs."""
    hours = {
        "region": settings.lead_hours_other_prefecture,
        "nearby": settings.lead_hours_other_region,
    }.get(where or "prefecture", 0.0)
    return max(MIN_NOTICE, timedelta(hours=hours))
