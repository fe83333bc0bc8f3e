"""People's phone numbers and chat ids as staff see them and look them up: masked on
every page but for an admin who asks (« +224 6•• •• •• 56 »), and found through the
keyed hash the engine files them under (bot/engine/identity.py), never by comparing
the stored numbers."""

from __future__ import annotations

import re

import phonenumbers

from bot.channels.phones import to_e164
from bot.channels.registry import phone_channels
from bot.engine.identity import address_hash

__all__ = ["address_hashes", "shown_address"]

_CHAT_ID = re.compile(r"\d{5,15}")


def _grouped(digits: str) -> str:
    """Guinean numbers as people write them (6xx xx xx xx), others in pairs."""
    if len(digits) == 9:
        return " ".join((digits[:3], digits[3:5], digits[5:7], digits[7:]))
    head = len(digits) % 2
    pairs = [digits[i : i + 2] for i in range(head, len(digits), 2)]
    return " ".join(([digits[:head]] if head else []) + pairs)


def shown_address(channel: str, address: str, *, clear: bool) -> str:
    """A number or chat id as a page shows it: masked but for its first digit and last
    two (enough to check it with the person), or in clear."""
    if channel in phone_channels():
        try:
            number = phonenumbers.parse(address, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            national = phonenumbers.national_significant_number(number)
            if not clear:
                national = national[:1] + "•" * max(len(national) - 3, 0) + national[-2:]
            return f"+{number.country_code} {_grouped(national)}"
    if clear:
        return address
    return "•" * max(len(address) - 2, 3) + address[-2:]


def address_hashes(key: str, text: str) -> list[str]:
    """The keyed hashes `text` would have as an address: a phone number read as the
    channels read it (E.164; a Guinean number written locally, « 622 12 34 56 »,
    included), or a chat id as written; none when it is neither."""
    hashes = []
    phone = to_e164(text)
    if phone is not None:
        hashes.append(address_hash(key, phone))
    digits = re.sub(r"[\s.-]", "", text)
    if _CHAT_ID.fullmatch(digits):
        hashes.append(address_hash(key, digits))
    return hashes
