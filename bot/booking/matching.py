"""Which services to propose to a person at the end of their orientation.

A plain function of plain values: the person's answers (`Profile`), the services on
offer (`Offer`) and the success stories (`StoryInfo`); no database, no clock. It ranks
the services that fit by:

- what the person asked for: a trade they chose (3 points each) or a need (2 each);
- where it is (bot/booking/geography.py): in their prefecture, or elsewhere in their
  region but serving their prefecture (3), elsewhere in their region (2). A service in
  another region is proposed only when their region has nothing for the trades they
  named (or nothing at all): then the nearest region that has is added (0, said so in
  the offer);
- language: the partner speaks the person's language (+1; -1 when it does not);
- audience: a women-only service is never proposed to someone who did not say they
  are a woman, a youth service (under 35) only to people under 35;
- the partner whose referral code brought the person (+2).

Nothing anywhere → `referral_needed`: staff look for an offer by hand.

Where a published success story exists for a proposed trade, one is chosen, preferring
a person who breaks the trade's usual gender pattern (a woman mechanic, a man tailor),
then the person's region.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.booking.geography import Distance, distance

__all__ = [
    "TRADE_USUALLY_DONE_BY",
    "Match",
    "Matches",
    "Offer",
    "Profile",
    "StoryInfo",
    "match",
    "nearest_regions",
]

# Approximate centre of each region's capital (latitude, longitude), for "nearest".
REGION_CENTRES: dict[str, tuple[float, float]] = {
    "conakry": (9.54, -13.68),
    "boke": (10.94, -14.29),
    "kindia": (10.06, -12.87),
    "mamou": (10.38, -12.09),
    "labe": (11.32, -12.28),
    "faranah": (10.04, -10.74),
    "kankan": (10.39, -9.31),
    "nzerekore": (7.75, -8.82),
}

# Who a trade is usually seen as "for" in Guinea: a story of someone of the other sex in
# it is shown first, as a positive counter-example. Trades not listed have no pattern.
TRADE_USUALLY_DONE_BY: dict[str, str] = {
    "mechanics": "man",
    "building": "man",
    "solar": "man",
    "phone_it": "man",
    "beekeeping": "man",
    "tailoring": "woman",
    "beauty": "woman",
    "food_processing": "woman",
    "market_gardening": "woman",
}

YOUTH_AGE_BANDS = frozenset({"under_18", "18_24", "25_34"})
NOT_A_CHOICE = frozenset({"undecided", "urgent"})

Where = Distance


@dataclass(frozen=True)
class Profile:
    region: str | None = None
    prefecture: str | None = None
    gender: str | None = None
    age_band: str | None = None
    needs: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    language: str = "fr"
    referred_by: int | None = None
    """The partner whose referral code brought the person."""


@dataclass(frozen=True)
class Offer:
    """A service as matching sees it."""

    service_id: int
    partner_id: int
    sectors: frozenset[str]
    regions: frozenset[str]
    prefectures: frozenset[str] = frozenset()
    """Prefectures served (empty: all of its regions')."""
    prefecture: str | None = None
    """Where it takes place; None: unknown."""
    audience: str = "everyone"
    languages: frozenset[str] = frozenset()
    bookable: bool = True
    """Has a free place in a coming slot, or is taken on request."""


@dataclass(frozen=True)
class StoryInfo:
    story_id: int
    trade: str
    gender: str
    region: str | None = None


@dataclass(frozen=True)
class Match:
    service_id: int
    score: int
    trades: tuple[str, ...]
    """The person's chosen trades this service teaches or supports."""
    needs: tuple[str, ...]
    """The person's needs it answers."""
    where: Where
    """In the person's prefecture, elsewhere in their region, or in another region."""
    region: str
    """The region it was found for (the person's, or the nearest one that has it)."""
    speaks_language: bool


@dataclass(frozen=True)
class Matches:
    matches: tuple[Match, ...]
    story: StoryInfo | None = None
    referral_needed: bool = False
    """Nothing fits anywhere: the person's profile goes to staff."""


def nearest_regions(region: str) -> list[str]:
    """The other regions, nearest first."""
    if region not in REGION_CENTRES:
        return sorted(REGION_CENTRES)
    here = REGION_CENTRES[region]

    def distance(other: str) -> float:
        there = REGION_CENTRES[other]
        return math.dist(here, there)

    return sorted((r for r in REGION_CENTRES if r != region), key=lambda r: (distance(r), r))


def _eligible(profile: Profile, offer: Offer) -> bool:
    if not offer.bookable:
        return False
    if offer.audience == "women":
        return profile.gender == "woman"
    if offer.audience == "youth":
        return profile.age_band in YOUTH_AGE_BANDS
    return True


def _score(profile: Profile, offer: Offer, where: Where, region: str) -> Match | None:
    trades = tuple(t for t in profile.interests if t in offer.sectors and t not in NOT_A_CHOICE)
    needs = tuple(n for n in profile.needs if n in offer.sectors and n not in NOT_A_CHOICE)
    asked = [x for x in (*profile.interests, *profile.needs) if x not in NOT_A_CHOICE]
    if asked and not trades and not needs:
        return None  # it answers nothing they asked for
    # Someone still undecided, with no need named, is shown what is near them.
    score = 3 * len(trades) + 2 * len(needs)
    serves_theirs = profile.prefecture is not None and profile.prefecture in offer.prefectures
    score += 3 if where == "prefecture" or serves_theirs else {"region": 2, "nearby": 0}[where]
    speaks = not offer.languages or profile.language in offer.languages
    score += 1 if speaks else -1
    if profile.referred_by is not None and offer.partner_id == profile.referred_by:
        score += 2
    return Match(offer.service_id, score, trades, needs, where, region, speaks)


def _in(profile: Profile, offer: Offer, region: str) -> Where | None:
    """Where `offer` is for the person, when looking in `region`; None when it does not
    serve `region`, or serves the person's region from another one (it is then found,
    as what it is, by the search of the nearest regions)."""
    if region not in offer.regions:
        return None
    if region != profile.region:
        return "nearby"
    where = distance(profile.region, profile.prefecture, offer.prefecture, offer.regions)
    return None if where == "nearby" else where


def _ranked(profile: Profile, offers: Iterable[Offer], region: str) -> list[Match]:
    found = []
    for offer in offers:
        where = _in(profile, offer, region)
        if where is None or not _eligible(profile, offer):
            continue
        scored = _score(profile, offer, where, region)
        if scored is not None:
            found.append(scored)
    return sorted(found, key=_rank)


def _rank(m: Match) -> tuple[int, int, int]:
    """Best fit first; at equal fit, the nearer one."""
    return (-m.score, ("prefecture", "region", "nearby").index(m.where), m.service_id)


def _story(
    profile: Profile, matches: Sequence[Match], stories: Sequence[StoryInfo]
) -> StoryInfo | None:
    trades = [t for m in matches for t in m.trades]
    if not trades:
        return None

    def rank(story: StoryInfo) -> tuple[int, int, int, int]:
        usual = TRADE_USUALLY_DONE_BY.get(story.trade)
        breaks_pattern = usual is not None and story.gender != usual
        return (
            trades.index(story.trade),
            0 if breaks_pattern else 1,
            0 if story.region == profile.region else 1,
            story.story_id,
        )

    fitting = [s for s in stories if s.trade in trades]
    return min(fitting, key=rank) if fitting else None


def match(
    profile: Profile,
    offers: Sequence[Offer],
    stories: Sequence[StoryInfo] = (),
    limit: int = 3,
) -> Matches:
    """Up to `limit` services for `profile`, best first, and a story to show with them."""
    found: list[Match] = []
    if profile.region is not None:
        found = _ranked(profile, offers, profile.region)
        if not any(m.trades for m in found):
            # Nothing near them for the trades they named (or nothing at all): the
            # nearest region that has it, ranked with what their region offers.
            for region in nearest_regions(profile.region):
                nearby = _ranked(profile, offers, region)
                if found:  # travel for a trade they named, not for what is local too
                    nearby = [m for m in nearby if m.trades]
                if nearby:
                    found = sorted([*found, *nearby], key=_rank)
                    break
    chosen = tuple(found[:limit])
    if not chosen:
        return Matches((), None, referral_needed=True)
    return Matches(chosen, _story(profile, chosen, stories))
