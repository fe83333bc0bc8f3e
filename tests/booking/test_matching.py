"""Which services a person is offered at the end of their orientation (bot/matching.py)."""

from __future__ import annotations

from bot.booking.matching import Offer, Profile, StoryInfo, match, nearest_regions


def offer(service_id: int, sectors: set[str], regions: set[str], **kw: object) -> Offer:
    return Offer(
        service_id=service_id,
        partner_id=kw.pop("partner_id", service_id),  # type: ignore[arg-type]
        sectors=frozenset(sectors),
        regions=frozenset(regions),
        **kw,  # type: ignore[arg-type]
    )


WOMAN_IN_BOFFA = Profile(
    region="boke",
    prefecture="boffa",
    gender="woman",
    age_band="25_34",
    needs=("credit", "activity"),
    interests=("fishing",),
    language="sus",
)


def ids(profile: Profile, offers: list[Offer], **kw: object) -> list[int]:
    return [m.service_id for m in match(profile, offers, **kw).matches]  # type: ignore[arg-type]


def test_ranked_by_fit_then_place_and_at_most_three() -> None:
    offers = [
        offer(
            1, {"fishing", "credit"}, {"boke"}, prefectures=frozenset({"boffa"}), prefecture="boffa"
        ),
        offer(2, {"fishing"}, {"boke"}),
        offer(3, {"credit"}, {"boke"}),
        offer(4, {"mechanics"}, {"boke"}),  # nothing she asked for
        offer(5, {"credit"}, {"boke"}, prefectures=frozenset({"fria"})),
        offer(6, {"fishing", "credit"}, {"conakry"}),  # another region
    ]
    result = match(WOMAN_IN_BOFFA, offers)
    assert [m.service_id for m in result.matches] == [1, 2, 3]
    best = result.matches[0]
    assert best.trades == ("fishing",)
    assert best.needs == ("credit",)
    assert best.where == "prefecture"
    assert not result.referral_needed


def test_nothing_in_the_region_gives_the_nearest_region_that_has_something() -> None:
    offers = [
        offer(1, {"fishing"}, {"nzerekore"}),
        offer(2, {"fishing"}, {"kindia"}),  # nearer to Boké than Nzérékoré
        offer(3, {"mechanics"}, {"boke"}),
    ]
    result = match(WOMAN_IN_BOFFA, offers)
    assert [m.service_id for m in result.matches] == [2]
    assert result.matches[0].where == "nearby"
    assert result.matches[0].region == "kindia"
    assert nearest_regions("boke")[0] in {"kindia", "conakry"}
    assert nearest_regions("nzerekore")[-1] == "boke"


def test_nothing_anywhere_asks_staff_for_a_referral() -> None:
    result = match(WOMAN_IN_BOFFA, [offer(1, {"mechanics"}, {"boke"})])
    assert result.matches == ()
    assert result.referral_needed


def test_the_partner_speaking_the_persons_language_comes_first() -> None:
    offers = [
        offer(1, {"fishing"}, {"boke"}, languages=frozenset({"fr"})),
        offer(2, {"fishing"}, {"boke"}, languages=frozenset({"fr", "sus"})),
    ]
    result = match(WOMAN_IN_BOFFA, offers)
    assert [m.service_id for m in result.matches] == [2, 1]
    assert result.matches[0].speaks_language and not result.matches[1].speaks_language


def test_a_women_only_service_is_for_women_only() -> None:
    offers = [offer(1, {"credit"}, {"boke"}, audience="women")]
    assert ids(WOMAN_IN_BOFFA, offers) == [1]
    man = Profile(region="boke", gender="man", needs=("credit",))
    undisclosed = Profile(region="boke", gender="undisclosed", needs=("credit",))
    assert match(man, offers).referral_needed
    assert match(undisclosed, offers).referral_needed


def test_a_youth_service_is_for_people_under_35() -> None:
    offers = [offer(1, {"job"}, {"kankan"}, audience="youth")]
    assert ids(Profile(region="kankan", age_band="18_24", needs=("job",)), offers) == [1]
    assert ids(Profile(region="kankan", age_band="35_49", needs=("job",)), offers) == []


def test_a_full_service_is_not_proposed() -> None:
    offers = [offer(1, {"fishing"}, {"boke"}, bookable=False), offer(2, {"fishing"}, {"boke"})]
    assert ids(WOMAN_IN_BOFFA, offers) == [2]


def test_the_referring_partner_comes_first_among_equals() -> None:
    offers = [offer(1, {"fishing"}, {"boke"}), offer(2, {"fishing"}, {"boke"}, partner_id=9)]
    assert ids(WOMAN_IN_BOFFA, offers) == [1, 2]
    referred = Profile(**{**WOMAN_IN_BOFFA.__dict__, "referred_by": 9})
    assert ids(referred, offers) == [2, 1]


def test_someone_undecided_is_shown_what_is_near() -> None:
    undecided = Profile(region="labe", prefecture="labe", interests=("undecided",))
    offers = [offer(1, {"beekeeping"}, {"labe"}), offer(2, {"solar"}, {"kankan"})]
    assert ids(undecided, offers) == [1]


def test_a_story_breaking_the_trades_gender_pattern_is_preferred() -> None:
    mechanic = Profile(region="conakry", gender="man", interests=("mechanics",))
    offers = [offer(1, {"mechanics"}, {"conakry"})]
    stories = [
        StoryInfo(10, "mechanics", "man", "conakry"),
        StoryInfo(11, "mechanics", "woman", "kankan"),
        StoryInfo(12, "tailoring", "man", "conakry"),  # not a trade proposed
    ]
    assert match(mechanic, offers, stories).story == stories[1]
    tailor = Profile(region="conakry", gender="woman", interests=("tailoring",))
    tailoring = [offer(2, {"tailoring"}, {"conakry"})]
    stories.append(StoryInfo(13, "tailoring", "woman", "conakry"))
    assert match(tailor, tailoring, stories).story == stories[2]  # a man who sews


def test_no_story_without_a_trade() -> None:
    profile = Profile(region="boke", needs=("credit",))
    result = match(profile, [offer(1, {"credit"}, {"boke"})], [StoryInfo(1, "fishing", "man")])
    assert result.matches and result.story is None


def test_a_named_trade_only_offered_nearby_is_proposed_with_what_is_local() -> None:
    man = Profile(region="kindia", interests=("solar",), needs=("training",))
    offers = [
        offer(1, {"market_gardening", "training"}, {"kindia"}),  # local, for the need only
        offer(2, {"solar", "training"}, {"conakry"}),  # the trade, one region away
        offer(3, {"solar"}, {"nzerekore"}),  # far away
    ]
    result = match(man, offers)
    assert [m.service_id for m in result.matches] == [2, 1]
    assert result.matches[0].where == "nearby" and result.matches[0].region == "conakry"


DUBREKA = Profile(region="kindia", prefecture="dubreka", interests=("beekeeping",))


def test_near_is_only_said_of_the_persons_own_prefecture() -> None:
    offers = [
        offer(1, {"beekeeping"}, {"kindia"}, prefecture="kindia"),  # Kindia town
        offer(2, {"beekeeping"}, {"kindia"}, prefecture="dubreka"),
        # Serves Dubréka, from Coyah: ranked as if it were there, but not called near.
        offer(
            3, {"beekeeping"}, {"kindia"}, prefectures=frozenset({"dubreka"}), prefecture="coyah"
        ),
    ]
    found = {m.service_id: m for m in match(DUBREKA, offers).matches}
    assert [found[i].where for i in (1, 2, 3)] == ["region", "prefecture", "region"]
    assert found[2].score == found[3].score > found[1].score


def test_a_service_beyond_the_region_only_when_nothing_there_fits() -> None:
    dalaba = offer(1, {"beekeeping"}, {"mamou", "kindia"}, prefecture="dalaba")
    local = offer(2, {"beekeeping"}, {"kindia"}, prefecture="kindia")
    # Serving her region from Dalaba does not make it hers: Kindia has beekeeping.
    assert ids(DUBREKA, [dalaba, local]) == [2]
    result = match(DUBREKA, [dalaba])
    assert [m.where for m in result.matches] == ["nearby"]


def test_at_equal_fit_the_nearer_comes_first() -> None:
    man = Profile(region="labe", prefecture="labe", interests=("recycling",), needs=("job",))
    offers = [
        offer(1, {"recycling", "job"}, {"conakry"}, prefecture="dixinn"),
        offer(2, {"building", "job"}, {"labe"}, prefecture="labe"),
    ]
    result = match(man, offers)
    assert [(m.service_id, m.where) for m in result.matches] == [(2, "prefecture"), (1, "nearby")]
    assert result.matches[0].score == result.matches[1].score
