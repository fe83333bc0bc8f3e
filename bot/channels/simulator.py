"""The admin's simulator: channels on which staff talk to the bot as a test person, and a
reply laid out as the phone would show it.

    sim_sms, sim_whatsapp, sim_telegram   SMS, WhatsApp and Telegram under names of their
                                          own: the same capabilities, bodies and previews
    SIMULATED                             the rendering ("sms"…) → its simulator channel
    screen(outbound, channel)             a reply as its messages on the phone, buttons
                                          drawn

Three channels rather than one whose rendering is chosen per conversation: the engine
decides from a channel's capabilities (buttons or a menu, recordings, a phone number, a
share-my-phone button), so each rendering needs the capabilities of the channel it
stands for, and it gets them without the engine knowing the simulator. Channels of
their own rather than the real ones: a test person's address is on no channel a
provider sends on.

Their provider has no webhook and no sender. The replies are stored as those of a
channel that answers inline ('replied', like `orienta chat`'s) and read back by the
admin's page; what Orienta starts for a test person (a reminder, a follow-up) is queued
on their simulator channel, which no dispatcher claims, and the page shows it once due.
The people on them are test people (`Contact.test`), counted nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.channels.gsm7 import sms_cost
from bot.channels.layout import parts
from bot.channels.registry import ChannelType, Provider, channel_type, register
from bot.channels.telegram import TELEGRAM_TYPE
from bot.channels.telegram.keyboards import SendParams, render_telegram
from bot.channels.twilio import SMS, WHATSAPP
from bot.messaging import Outbound

__all__ = ["SIMULATED", "SIMULATOR", "Bubble", "Button", "screen", "stands_for"]

PREFIX = "sim_"
SIMULATED = {real.name: PREFIX + real.name for real in (SMS, WHATSAPP, TELEGRAM_TYPE)}
"""The channel each rendering is simulated on: {"sms": "sim_sms", …}."""


def _stand_in(real: ChannelType) -> ChannelType:
    capabilities = real.capabilities
    fallback = SIMULATED.get(capabilities.fallback or "")  # WhatsApp falls back to sim_sms
    return replace(
        real,
        name=SIMULATED[real.name],
        capabilities=replace(capabilities, fallback=fallback, simulated=True),
        provider="simulator",
    )


def stands_for(channel: str) -> str:
    """The real channel a simulator channel stands for (`sim_sms` → `sms`)."""
    return channel.removeprefix(PREFIX) if channel_type(channel).capabilities.simulated else channel


@dataclass(frozen=True)
class Button:
    label: str
    sends: str
    """What a tap sends back (Telegram: the choice's number)."""


@dataclass(frozen=True)
class Bubble:
    """One message as the phone shows it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    """Rows of buttons under the text (Telegram's inline keyboard)."""
    phone_button: str = ""
    """The label of Telegram's share-my-phone keyboard, when it comes with the message."""
    audio: bool = False
    """A recorded prompt goes with it (or is all of it)."""
    sms_parts: int = 0
    """SMS: the parts the text is billed as."""


def screen(outbound: Outbound, channel: str) -> list[Bubble]:
    """`outbound`, on `channel` (a simulator channel or a real one), as the messages the
    provider would be asked to deliver: cut to the channel's length, menus laid out,
    buttons drawn as Telegram draws them."""
    real = stands_for(channel)
    kind = channel_type(real)
    media = bool(outbound.media) and kind.capabilities.media
    if real == "telegram":
        shown = replace(outbound, channel=real)
        bubbles = [_telegram(params) for params in render_telegram(shown)]
        if media:
            bubbles = [Bubble("", audio=True), *bubbles]
        return bubbles
    bubbles = []
    for part in parts(replace(outbound, channel=real), real):
        text = kind.body(part)
        sms = sms_cost(text).parts if kind.capabilities.segments and text else 0
        bubbles.append(Bubble(text, audio=media and bool(part.media), sms_parts=sms))
    return bubbles


def _telegram(params: SendParams) -> Bubble:
    markup = params.get("reply_markup")
    text = params["text"]
    if isinstance(markup, InlineKeyboardMarkup):
        rows = tuple(
            tuple(Button(b.text, str(b.callback_data)) for b in row)
            for row in markup.inline_keyboard
        )
        return Bubble(text, buttons=rows)
    if isinstance(markup, ReplyKeyboardMarkup):
        return Bubble(text, phone_button=markup.keyboard[0][0].text)
    return Bubble(text)


class SimulatorProvider(Provider):
    """No routes, no senders: the admin's page is where its messages come and go."""

    name = "simulator"
    channel_types = tuple(_stand_in(real) for real in (SMS, WHATSAPP, TELEGRAM_TYPE))


SIMULATOR = register(SimulatorProvider())
