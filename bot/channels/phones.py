"""Phone numbers in one form (E.164), so that SMS and WhatsApp from one phone are one person."""

from __future__ import annotations

import phonenumbers

__all__ = ["DEFAULT_REGION", "to_e164"]

DEFAULT_REGION = "GN"


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """`+224 620 00 00 00`, `620000000` or `whatsapp:+224…` → `+224620000000`; None when
    it is not a phone number at all."""
    text = raw.strip().removeprefix("whatsapp:").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
