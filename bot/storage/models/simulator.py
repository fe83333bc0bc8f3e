"""What staff typed in the admin's simulator, speaking as its test person.

The inbound log keeps no text (bot/storage/models/messages.py): what people write is
nobody's business here. A test person is no person, so the simulator keeps their words
to show the conversation; the bot's side is the outbox rows' own text. Only test people
have lines, and the lines go with them (ON DELETE CASCADE).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, IntPk, Timestamp

__all__ = ["SimulatorLine"]


class SimulatorLine(Base):
    """One message staff sent as a test person."""

    __tablename__ = "simulator_lines"

    id: Mapped[IntPk]
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[str] = mapped_column(String(128))
    """The inbound message's provider id: the bot's replies are the outbox rows that
    answer the inbound message of that id."""
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[Timestamp]
