"""Database tables, as SQLAlchemy 2 typed models.

Phone numbers and chat ids live only in `channel_identities.address`, are looked up by a
keyed hash (`address_hash`), and are never a key, a URL part or a log field. Every row
about a person hangs off `contacts` with ON DELETE CASCADE, so erasing a person is one
delete; the inbound log keeps provider ids (for de-duplication) but loses text and owner.
"""

from __future__ import annotations

from bot.storage.models.base import Base, JSONType, UTCDateTime
from bot.storage.models.help import HelpEpisode, HelpMessage
from bot.storage.models.messages import InboundMessage, OutboxMessage, VoicePrompt
from bot.storage.models.partners import (
    Booking,
    Partner,
    ReferralArrival,
    ScheduledJob,
    Service,
    Slot,
    Story,
)
from bot.storage.models.people import (
    Answer,
    ChannelIdentity,
    ConsentRefusal,
    Contact,
    Conversation,
    Flag,
)
from bot.storage.models.simulator import SimulatorLine
from bot.storage.models.staff import AuditEntry, SetupToken, StaffSession, StaffUser

__all__ = [
    "Answer",
    "AuditEntry",
    "Base",
    "Booking",
    "ChannelIdentity",
    "ConsentRefusal",
    "Contact",
    "Conversation",
    "Flag",
    "HelpEpisode",
    "HelpMessage",
    "InboundMessage",
    "JSONType",
    "OutboxMessage",
    "Partner",
    "ReferralArrival",
    "ScheduledJob",
    "Service",
    "SetupToken",
    "SimulatorLine",
    "Slot",
    "StaffSession",
    "StaffUser",
    "Story",
    "UTCDateTime",
    "VoicePrompt",
]
