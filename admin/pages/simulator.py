"""The simulator: staff talk to the bot as a test person, the bot's replies drawn as an
SMS, WhatsApp or Telegram conversation shows them, through the very same engine
(`Engine.handle`, on the simulator's channels: bot/channels/simulator.py).

    GET  /simulator?rendering=sms   the conversation so far, and a box to write in
    POST /simulator/send            `text` and `rendering`: the test person says it
    POST /simulator/reset           `rendering`: a new test person

Each staff account has one test person per rendering: the contact behind the address
`{account's public id}:{rendering}` on that rendering's simulator channel, made a test
person (`Contact.test`: counted nowhere, taking no place, telling no partner) by its
first message. « Recommencer » erases it as EFFACER would; the next message makes a new
one. The page shows what is stored: the test person's outbox rows for the bot's side,
and what staff typed (`simulator_lines`, kept for test people alone).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from admin.access import Permission
from admin.routing import PageContext, page
from admin.templating import ADMIN_ROOT
from bot.channels.simulator import SIMULATED, Bubble, screen, stands_for
from bot.engine.erasure import erase_contact
from bot.engine.identity import create_identity, find_identity
from bot.messaging import Inbound, Outbound
from bot.storage.models import ChannelIdentity, InboundMessage, OutboxMessage, SimulatorLine

__all__ = ["RENDERINGS"]

RENDERINGS = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}
"""What the simulator can look like, and the names shown for them (brands, untranslated)."""
MAX_TEXT = 4096  # the longest message a person can send (Telegram's limit)
SHOWN = ("replied", "queued", "sending", "sent", "delivered", "read")
"""Rows that reached the phone, or would be on their way to it now."""


@dataclass
class Entry:
    """One message of the conversation: the test person's, or the bot's (in bubbles)."""

    person: bool
    text: str = ""
    bubbles: Sequence[Bubble] = field(default_factory=list)
    channel: str = ""
    """The channel's name when it is not the rendering's (a fallback to SMS)."""
    at: datetime | None = None
    """When it came, for a message Orienta started (a reminder, a follow-up)."""


def _rendering(value: object) -> str:
    return value if isinstance(value, str) and value in RENDERINGS else "sms"


def _address(ctx: PageContext, rendering: str) -> str:
    assert ctx.user is not None  # every page here needs a signed-in account
    return f"{ctx.user.public_id}:{rendering}"


def _test_person(
    ctx: PageContext, session: Session, rendering: str, *, lock: bool = False
) -> ChannelIdentity | None:
    key = ctx.state.settings.identity_key
    channel = SIMULATED[rendering]
    return find_identity(session, key, channel, _address(ctx, rendering), lock=lock)


def _back(rendering: str, anchor: str = "") -> Response:
    url = f"{ADMIN_ROOT}/simulator?{urlencode({'rendering': rendering})}{anchor}"
    return RedirectResponse(url, status_code=303)


def _conversation(session: Session, contact_id: int, rendering: str, now: datetime) -> list[Entry]:
    """The messages staff typed and the bot's rows, in the order the phone got them: each
    reply after the message it answers, a message Orienta started at its due time."""
    keyed: list[tuple[tuple[datetime, int, int, int], Entry]] = []
    lines: dict[str, tuple[datetime, int]] = {}
    for line in session.scalars(
        select(SimulatorLine).where(SimulatorLine.contact_id == contact_id)
    ):
        lines[line.provider_id] = (line.at, line.id)
        keyed.append(((line.at, 0, line.id, 0), Entry(person=True, text=line.text)))
    rows = session.execute(
        select(OutboxMessage, InboundMessage.provider_id)
        .outerjoin(InboundMessage, InboundMessage.id == OutboxMessage.inbound_id)
        .where(
            OutboxMessage.contact_id == contact_id,
            OutboxMessage.status.in_(SHOWN),
            OutboxMessage.due_at <= now,
        )
    ).all()
    own = SIMULATED[rendering]
    for row, provider_id in rows:
        outbound = Outbound.from_payload(row.channel, "", row.payload)
        entry = Entry(
            person=False,
            bubbles=screen(outbound, row.channel),
            channel="" if row.channel == own else RENDERINGS.get(stands_for(row.channel), ""),
        )
        answered = lines.get(provider_id or "")
        if answered is not None:
            keyed.append(((answered[0], 0, answered[1], row.id), entry))
        else:
            entry.at = row.due_at
            keyed.append(((row.due_at, 1, row.id, 0), entry))
    return [entry for _key, entry in sorted(keyed, key=lambda pair: pair[0])]


@page("/simulator", Permission.USE_SIMULATOR)
def simulator(ctx: PageContext) -> Response:
    rendering = _rendering(ctx.request.query_params.get("rendering"))
    identity = _test_person(ctx, ctx.db_session, rendering)
    conversation = (
        _conversation(ctx.db_session, identity.contact_id, rendering, ctx.now) if identity else []
    )
    return ctx.render(
        "simulator.html",
        rendering=rendering,
        renderings=RENDERINGS,
        conversation=conversation,
        max_text=MAX_TEXT,
    )


@page("/simulator/send", Permission.USE_SIMULATOR, methods=("POST",))
async def send(ctx: PageContext) -> Response:
    """What staff typed, stored with its audit row, then handled by the engine as any
    message is, in a transaction of its own (as a webhook's would be)."""
    assert ctx.form_data is not None
    rendering = _rendering(ctx.form_data.get("rendering"))
    text = str(ctx.form_data.get("text") or "").strip()[:MAX_TEXT]
    if not text:
        return _back(rendering, "#ecrire")
    channel = SIMULATED[rendering]
    address = _address(ctx, rendering)
    provider_id = f"sim-{uuid.uuid4().hex}"

    def write_down(session: Session) -> None:
        identity = _test_person(ctx, session, rendering)
        if identity is None:
            key = ctx.state.settings.identity_key
            identity = create_identity(session, key, channel, address, ctx.now, test=True)
        line = SimulatorLine(
            contact_id=identity.contact_id, provider_id=provider_id, text=text, at=ctx.now
        )
        session.add(line)
        ctx.audit(
            "simulator.send",
            target_type="person",
            target=identity.contact.public_id,
            after={"rendering": rendering},
            session=session,
        )

    try:
        await ctx.db(write_down)
    except IntegrityError:  # the same test person made at once by another tab: theirs now
        await ctx.db(write_down)
    orienta = ctx.state.orienta
    inbound = Inbound(channel=channel, address=address, text=text, provider_id=provider_id)
    await orienta.db.run(orienta.engine.handle, inbound)
    return _back(rendering, "#ecrire")


@page("/simulator/reset", Permission.USE_SIMULATOR, methods=("POST",))
def reset(ctx: PageContext) -> Response:
    """The test person of this rendering erased (as EFFACER erases): the next message
    starts a new one."""
    assert ctx.form_data is not None
    rendering = _rendering(ctx.form_data.get("rendering"))
    identity = _test_person(ctx, ctx.db_session, rendering, lock=True)
    erased = None
    if identity is not None and identity.contact.test:
        erased = identity.contact.public_id
        orienta = ctx.state.orienta
        erase_contact(
            ctx.db_session, identity.contact_id, orienta.settings, orienta.engine.writer, ctx.now
        )
    ctx.audit(
        "simulator.reset",
        target_type="person" if erased else None,
        target=erased,
        after={"rendering": rendering},
    )
    return _back(rendering)
