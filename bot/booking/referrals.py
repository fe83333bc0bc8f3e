"""Referral codes: how civil society brings people to Orienta, and how many came.

Each partner has a short code. A person arrives with it by a Telegram deep link
(`https://t.me/<bot>?start=<code>`: Telegram sends "/start <code>"), a WhatsApp
click-to-chat link whose prefilled text carries the code, a printed QR code of either
link, or by typing the code in their first SMS. The engine attributes the person to
the partner (their offers come first) and records an anonymous arrival
(`referral_arrivals`: partner, channel, time), so counts outlive an erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.storage.models import Partner, ReferralArrival

__all__ = ["Links", "arrival_counts", "links_for", "write_qr"]

WHATSAPP_TEXT = "Bonjour Orienta ! Code {code}"


@dataclass(frozen=True)
class Links:
    code: str
    telegram: str | None
    whatsapp: str | None
    sms: str | None

    def best(self) -> str | None:
        """The link a QR code should carry: WhatsApp (most phones), else Telegram."""
        return self.whatsapp or self.telegram


def links_for(partner: Partner, settings: Settings) -> Links:
    telegram = (
        f"https://t.me/{settings.telegram_bot_username}?start={partner.code}"
        if settings.telegram_bot_username
        else None
    )
    number = settings.twilio_whatsapp_from.lstrip("+")
    whatsapp = (
        f"https://wa.me/{number}?text={quote(WHATSAPP_TEXT.format(code=partner.code))}"
        if number
        else None
    )
    sms = f"{partner.code} → {settings.twilio_sms_from}" if settings.twilio_sms_from else None
    return Links(partner.code, telegram, whatsapp, sms)


def write_qr(url: str, path: Path) -> None:
    """A printable QR code of `url` (PNG or SVG, by the file's extension), with segno."""
    import segno

    segno.make(url, error="m").save(str(path), scale=10, border=4)


def arrival_counts(session: Session) -> list[tuple[str, str, str, int]]:
    """(partner code, partner name, channel, arrivals), most first."""
    rows = session.execute(
        select(Partner.code, Partner.name, ReferralArrival.channel, func.count())
        .join(ReferralArrival, ReferralArrival.partner_id == Partner.id)
        .group_by(Partner.code, Partner.name, ReferralArrival.channel)
        .order_by(func.count().desc(), Partner.code, ReferralArrival.channel)
    )
    return [(code, name, channel, int(n)) for code, name, channel, n in rows]
