"""How one proposal reads: "{service} – {partner}, {cost}. {why}", where *why* is the
trades (else the needs) it fits and where it is, honestly (bot/booking/geography.py):
"près de chez vous" only in the person's prefecture, else the place named, and a service
beyond their region says their region has nothing of the kind.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.booking import geography
from bot.booking.offers import cost_text, service_title
from bot.flows.geo import prefecture_name, region_of
from bot.flows.model import Flow
from bot.flows.runner import label_text
from bot.i18n.translate import M, translate
from bot.storage.models import Service

__all__ = ["offer_label", "why_keys"]

WHY = M("offers.why", "{what} ; {where}")
NEAR = M("offers.near", "près de chez vous")
IN_REGION = M("offers.in_region", "dans votre région")
AT = M("offers.at", "à {place}")
FAR = M("offers.far", "à {place}, région de {region} (rien de tel dans votre région)")
FAR_CAPITAL = M("offers.far_capital", "à {place} (rien de tel dans votre région)")
FAR_REGION = M("offers.far_region", "région de {region} (rien de tel dans votre région)")
OFFER_LINE = M("offers.line", "{service} – {partner}, {cost}. {why}")


def why_keys(
    trades: tuple[str, ...], needs: tuple[str, ...], where: str, region: str
) -> dict[str, object]:
    """What an offer's line needs to say why it fits, kept with the conversation."""
    return {"trades": list(trades), "needs": list(needs), "where": where, "region": region}


def offer_label(flow: Flow, service: Service | None, why: Mapping[str, object], lang: str) -> str:
    """The line of one proposal, in `lang`."""
    if service is None:
        return "—"
    what = _what(flow, why, lang)
    where = _where(service, why, lang)
    reason = translate(WHY, lang, what=what, where=where) if what else where
    return translate(
        OFFER_LINE,
        lang,
        service=service_title(service, lang),
        cost=cost_text(service, lang),
        partner=service.partner.name,
        why=reason,
    )


def _what(flow: Flow, why: Mapping[str, object], lang: str) -> str:
    """The trades it fits, or else the needs: one short reason."""
    for step_id, field in (("interests", "trades"), ("needs", "needs")):
        keys = why.get(field) or []
        labels = [
            label_text(o, lang)
            for o in flow.step(step_id).options_for({})
            if o.key in keys  # type: ignore[operator]
        ]
        if labels:
            return ", ".join(labels)
    return ""


def _where(service: Service, why: Mapping[str, object], lang: str) -> str:
    where = why.get("where")
    place = prefecture_name(service.prefecture)
    if where == "prefecture":
        return translate(NEAR, lang)
    if where == "region":
        return translate(AT, lang, place=place) if place else translate(IN_REGION, lang)
    # Another region ("nearby" in conversations stored by earlier releases).
    region = region_of(service.prefecture) or str(
        why.get("region") or next(iter(service.regions), "")
    )
    region_text = geography.region_name(region, lang)
    if place is None:
        return translate(FAR_REGION, lang, region=region_text)
    if service.prefecture == region:  # its capital: "à Kankan", not "à Kankan, région de Kankan"
        return translate(FAR_CAPITAL, lang, place=place)
    return translate(FAR, lang, place=place, region=region_text)
