"""Who may be written to, and where: the one place that decides.

Every outbound message is checked here twice: when it is written (bot/outbox/writer.py)
and again when the dispatcher claims it (a person may have written STOP in between).

- A reply to what a person just wrote always goes, to where they wrote from, even after
  STOP (it may be the STOP confirmation itself) or an erasure (the "erased" message).
- Anything Orienta starts (a reminder, a nudge, a broadcast, a fallback SMS of one) goes
  only to a person who consented and did not write STOP, on an address that is not
  unreachable: the one they last wrote from, among the channels Orienta may write first.
- A message to a partner goes to its focal point, by the channel it chose, while the
  partner is active (e-mail only when SMTP is configured).

- While a request for help about violence or trafficking is open, Orienta starts nothing
  to that person (their phone may be watched) unless they said it is safe at any time
  (`Contact.shielded_at`, kept by bot/engine/help.py).
- Staff answering a request for help may write to a person who has not consented to the
  orientation (they asked), never after STOP, and never on a number the person said is
  not safe until they write from it again.

- A notice to on-duty staff (an urgent request waits untaken) goes to the address
  ORIENTA_ON_DUTY names, carried in the row itself: SMS to a phone number, e-mail when
  SMTP is configured. No person stands behind it, so nothing of theirs holds it back.

- The admin simulator's test people (`Contact.test`) are written to only on its channels,
  where nothing leaves Orienta, and real people never there (checked at sending).

- While staff have paused the bot for a person (the admin's "pause",
  `Contact.paused_at`), Orienta starts nothing to them either: no reminder, nudge,
  follow-up or broadcast. Staff answering their request for help still may, and the
  replies to what they write still go (bot/engine/pause.py says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bot.channels.phones import to_e164
from bot.channels.registry import by_capability, capabilities
from bot.settings import Settings
from bot.storage.models import ChannelIdentity, Contact, HelpEpisode, Partner

__all__ = [
    "ON_DUTY_KEY",
    "STAFF_REPLY_KEY",
    "answering_identity",
    "may_answer_request",
    "may_send",
    "may_start",
    "on_own_channels",
    "outside_window",
    "partner_channel",
    "partner_may_receive",
    "proactive_channels",
    "ranked_identities",
    "reachable_identity",
    "real_people",
    "staff_address",
    "staff_destination",
]


STAFF_REPLY_KEY = "help:"
"""The idempotency keys of what staff write to a person who asked for help start so
(bot/engine/help.py): they are not messages Orienta starts by itself."""


ON_DUTY_KEY = "on-duty:"
"""The idempotency keys of notices to on-duty staff start so: their address is in the
row's payload (`to`), as no person or partner stands behind them."""


def real_people() -> ColumnElement[bool]:
    """The one check that leaves out the test people of the admin's simulator: every
    count, report, audience and notification about people uses it."""
    return Contact.test.is_(False)


def on_own_channels(test: bool, channel: str) -> bool:
    """At sending: a test person of the simulator is written to only on its channels,
    where no provider sends (bot/channels/simulator.py), and a real person never there."""
    return capabilities(channel).simulated == test


def may_send(
    *, erased: bool, unreachable: bool, opted_out: bool, reply: bool, held: bool = False
) -> bool:
    """Whether a message may still go to a person's address (checked again at sending).
    `held`: Orienta may start nothing to the person now (paused by staff, or shielded
    while help about violence is open), and this is not a reply nor a staff answer."""
    if erased or unreachable:
        return False
    # A reply goes out even after STOP (it may be the STOP confirmation itself).
    return reply or not (opted_out or held)


def may_start(contact: Contact) -> bool:
    """Whether Orienta may write first to this person (reminders, nudges, broadcasts)."""
    return (
        contact.consent == "given"
        and contact.shielded_at is None
        and contact.paused_at is None
        and may_send(
            erased=False, unreachable=False, opted_out=contact.opted_out_at is not None, reply=False
        )
    )


def may_answer_request(contact: Contact, episode: HelpEpisode) -> bool:
    """Whether staff may write to a person about their request for help."""
    if contact.opted_out_at is not None or episode.state == "closed":
        return False
    if episode.safe_contact == "no":
        # "Don't write to me here" holds until they write from it again.
        wrote = contact.last_inbound_at
        return (
            wrote is not None
            and episode.safe_contact_at is not None
            and (wrote > episode.safe_contact_at)
        )
    return True


def answering_identity(
    session: Session, contact: Contact, episode: HelpEpisode
) -> ChannelIdentity | None:
    """Where staff answer a request for help: the address the person last wrote from."""
    if not may_answer_request(contact, episode):
        return None
    return _last_written_from(session, contact)


def proactive_channels() -> tuple[str, ...]:
    """The channels Orienta may write first on (not e-mail, which is for partners)."""
    return by_capability(people=True)


def ranked_identities(channels: tuple[str, ...] | None = None) -> Select[tuple[int, int, str, int]]:
    """Each contact's reachable identities on `channels`, ranked: 1 for the one they
    last wrote from (the one Orienta writes to first)."""
    return select(
        ChannelIdentity.id,
        ChannelIdentity.contact_id,
        ChannelIdentity.channel,
        func.row_number()
        .over(
            partition_by=ChannelIdentity.contact_id,
            order_by=(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id),
        )
        .label("rank"),
    ).where(
        ChannelIdentity.unreachable_at.is_(None),
        ChannelIdentity.channel.in_(list(channels or proactive_channels())),
    )


def reachable_identity(session: Session, contact: Contact) -> ChannelIdentity | None:
    """Where to write first to `contact`: the reachable address they last wrote from,
    or None when Orienta may not write to them first at all."""
    if not may_start(contact):
        return None
    return _last_written_from(session, contact)


def _last_written_from(session: Session, contact: Contact) -> ChannelIdentity | None:
    return session.scalars(
        select(ChannelIdentity)
        .where(
            ChannelIdentity.contact_id == contact.id,
            ChannelIdentity.unreachable_at.is_(None),
            ChannelIdentity.channel.in_(list(proactive_channels())),
        )
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id)
    ).first()


def partner_channel(partner: Partner, settings: Settings) -> str | None:
    """The channel a partner's focal point is reached on, or None when it cannot be (no
    address, a channel Orienta has no way to send on, the partner withdrawn)."""
    channel = partner.focal_channel
    if not partner.active or not partner.focal_address or channel not in ("sms", "email"):
        return None
    if channel == "email" and not settings.smtp_host:
        return None
    return channel


def staff_destination(channel: str, address: str, settings: Settings) -> str | None:
    """Where a notice to a member of staff on duty goes: a phone number (E.164) by SMS,
    an address by e-mail when SMTP is configured; None when it cannot go."""
    if channel == "sms":
        return to_e164(address)
    if channel == "email" and settings.smtp_host and "@" in address:
        return address.strip()
    return None


def staff_address(key: str, payload: Mapping[str, Any]) -> str | None:
    """At sending: the address of a notice to on-duty staff; None for any other row."""
    if not key.startswith(ON_DUTY_KEY):
        return None
    to = payload.get("to")
    return str(to) if to else None


def partner_may_receive(
    *, active: bool | None, focal_channel: str | None, channel: str, address: str | None
) -> bool:
    """At sending: the partner is still there, and still wants it on this channel."""
    return bool(active) and focal_channel == channel and bool(address)


def outside_window(
    window: timedelta | None, last_inbound_at: datetime | None, now: datetime
) -> bool:
    """Whether a message Orienta starts falls outside its channel's window (WhatsApp lets
    a business write freely only within 24 hours of the person's last message)."""
    if window is None:
        return False
    return last_inbound_at is None or now - last_inbound_at > window
