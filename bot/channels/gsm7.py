"""What an SMS costs: GSM-7 folding and an exact segment counter.

An SMS is billed per part. A text made only of GSM 03.38 characters travels in 7-bit
encoding: 160 characters in one part, 153 per part once split (the concatenation header
takes the rest); the extension characters ^ { } \\ [ ] ~ | € take two septets, and an
escape pair is never split across parts. One character outside that alphabet switches
the whole message to UCS-2: 70 UTF-16 code units, 67 per part, and a surrogate pair
(most emoji) is never split either.

`fold_to_gsm7` rewrites the characters that have a GSM-7 equivalent with the same
meaning (typographic quotes and apostrophes, ellipsis, œ, ê → e, Pular ɓ → bh, Susu ɛ →
è…), and only when the whole text then fits GSM-7: a text that must be UCS-2 anyway
(Adlam, an emoji) is left exactly as written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "SmsCost", "fold_to_gsm7", "is_gsm7", "sms_cost"]

# GSM 03.38 default alphabet (the escape code 0x1B is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Default extension table: each costs an escape septet plus its own.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Replacements that keep the meaning, for every language.
_COMMON: dict[str, str] = {
    "\u2019": "'",  # ’ right single quotation mark (the French apostrophe)
    "\u2018": "'",
    "\u02bc": "'",  # ʼ modifier letter apostrophe
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "«": '"',
    "»": '"',
    "\u2026": "...",  # …
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2011": "-",  # non-breaking hyphen
    "\u00a0": " ",  # no-break space (French typography before : ; ? !)
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",  # only the capital Ç is in GSM-7
    "\u2022": "-",  # • bullet
}

# Letters of the national languages, written as in the older orthographies people still
# use in SMS: Pular ɓ ɗ ŋ ɲ ƴ as bh dh ng ny y'; Susu and Maninka ɛ ɔ as è ò.
_NATIONAL: dict[str, str] = {
    "ɓ": "bh",
    "Ɓ": "Bh",
    "ɗ": "dh",
    "Ɗ": "Dh",
    "ŋ": "ng",
    "Ŋ": "Ng",
    "ɲ": "ny",
    "Ɲ": "Ny",
    "ƴ": "y'",
    "Ƴ": "Y'",
    "ɛ": "è",
    "Ɛ": "E",
    "ɔ": "ò",
    "Ɔ": "O",
}

_GEMINATES = {"ɓɓ": "bbh", "ɗɗ": "ddh"}

_FOLD = {**_COMMON, **_NATIONAL}
_GSM7 = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)  # in C: every reply goes through here, several times


def _fold_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in _FOLD:
        return _FOLD[char]
    if unicodedata.combining(char):
        return ""  # a tone mark left over after composition (à + grave): dropped
    # A letter with accents or tone marks GSM-7 lacks (ê, î, ô, û, ë, ǹ, à with a tone…):
    # its base letter, when the rest is only combining marks.
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if marks and all(unicodedata.combining(m) for m in marks):
        if base in GSM7_BASIC:
            return base
        # è + a tone mark → è (GSM-7 has è, é, ù, ì, ò, à in lower case).
        composed = unicodedata.normalize("NFC", base + marks[0])
        if composed in GSM7_BASIC:
            return composed
    return char


def fold_to_gsm7(text: str) -> str:
    """`text` in GSM-7 if it can be written so without changing its meaning, else `text`."""
    if is_gsm7(text):
        return text
    # Combining marks typed after their letter (decomposed input) fold with it.
    text_nfc = unicodedata.normalize("NFC", text)
    for double, written in _GEMINATES.items():  # Pular ɓɓ → bbh, not bhbh
        text_nfc = text_nfc.replace(double, written)
    folded = "".join(_fold_char(c) for c in text_nfc)
    return folded if is_gsm7(folded) else text


Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsCost:
    encoding: Encoding
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2)."""
    parts: int


def _parts(widths: list[int], single: int, multi: int) -> tuple[int, int]:
    """(units, parts) for characters of these widths; a character two units wide (a GSM-7
    escape pair, a UTF-16 surrogate pair) never straddles two parts."""
    units = sum(widths)
    if units <= single:
        return units, 1
    parts, used = 1, 0
    for width in widths:
        if used + width > multi:
            parts, used = parts + 1, 0
        used += width
    return units, parts


def sms_cost(text: str) -> SmsCost:
    """The encoding and number of parts `text` is sent in, exactly as a handset splits it."""
    if is_gsm7(text):
        widths = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SmsCost("GSM-7", *_parts(widths, GSM7_SINGLE, GSM7_MULTI))
    widths = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsCost("UCS-2", *_parts(widths, UCS2_SINGLE, UCS2_MULTI))
