"""Reading a .po catalog and compiling it to .mo bytes, for the bot and for the tools.

Review status. A translation not yet checked by a native speaker carries the standard
`fuzzy` flag ("needs review" in Poedit and Weblate) and is used all the same: catalogs
are compiled with fuzzy entries. A reviewer removes the flag. The one exception is a
translation of an *earlier* French text (Babel keeps it as a draft, with `#| msgid` the
old source, when the French changes): it is not used, and that string falls back to
French until someone updates it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.languages import DOMAIN

__all__ = ["compiled", "is_stale", "is_used", "read_catalog"]

_CONTEXT = re.compile(r'^msgctxt "(.*)"$', re.MULTILINE)


def read_catalog(path: Path) -> Catalog:
    """The catalog at `path`, with each entry's previous source (`#| msgid`), which
    Babel's reader drops: it tells a draft of an older French text from a current one."""
    raw = path.read_bytes()
    catalog = read_po(io.BytesIO(raw), locale=None, domain=DOMAIN)
    for block in raw.decode("utf-8").split("\n\n"):
        previous = [line[3:] for line in block.splitlines() if line.startswith("#| ")]
        context = _CONTEXT.search(block)
        if not previous or context is None:
            continue
        for message in catalog:
            if message.context == context.group(1).replace('\\"', '"'):
                message.previous_id = ["\n".join(previous)]
    return catalog


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def is_stale(message: Message) -> bool:
    """A draft translation of an earlier French text (kept by `update` as fuzzy)."""
    return message.fuzzy and bool(message.previous_id)


def is_used(message: Message) -> bool:
    return bool(_text(message.string).strip()) and not is_stale(message)


def compiled(catalog: Catalog) -> bytes:
    """The .mo of `catalog`: unreviewed (fuzzy) translations included, stale drafts and
    empty entries left out (those strings fall back to French)."""
    result = Catalog(locale=None, domain=DOMAIN)
    result.mime_headers = catalog.mime_headers
    result.fuzzy = False
    for message in catalog:
        if message.id and is_used(message):
            result.add(message.id, message.string, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, result, use_fuzzy=True)
    return buffer.getvalue()
