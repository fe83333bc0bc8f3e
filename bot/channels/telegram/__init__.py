"""Telegram, through the Bot API.

    updates.py     the secret token, updates read into `Inbound`s
    keyboards.py   replies as messages with inline buttons; the share-my-phone keyboard
    sender.py      the Bot API: sending, its errors as ours, `setWebhook`
    webhook.py     the webhook route, and polling for a server without a public URL

Registered on import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.channels.layout import render_telegram_in_terminal
from bot.channels.registry import Capabilities, ChannelType, Pacing, Provider, register

if TYPE_CHECKING:
    import asyncio

    from starlette.routing import BaseRoute

    from bot.channels.base import Sender, VoiceFiles
    from bot.channels.gateway import Gateway
    from bot.settings import Settings

__all__ = ["TELEGRAM", "TELEGRAM_TYPE"]


def _body(outbound: Any) -> str:
    from bot.channels.telegram.keyboards import telegram_body

    return telegram_body(outbound)


TELEGRAM_TYPE = ChannelType(
    "telegram",
    Capabilities(buttons=True, media=True, max_length=4096, share_phone=True),
    body=_body,
    preview=render_telegram_in_terminal,
    provider="telegram",
)


class TelegramProvider(Provider):
    name = "telegram"
    channel_types = (TELEGRAM_TYPE,)

    def receiving(self, settings: Settings) -> dict[str, bool]:
        return {"telegram": bool(settings.telegram_bot_token and settings.telegram_webhook_secret)}

    def routes(self) -> Sequence[BaseRoute]:
        from bot.channels.telegram.webhook import ROUTES

        return ROUTES

    def senders(self, settings: Settings, voice_files: VoiceFiles | None) -> dict[str, Sender]:
        if not settings.telegram_bot_token:
            return {}
        from bot.channels.telegram.sender import TelegramSender

        sender = TelegramSender(
            settings.telegram_bot_token, settings.telegram_api_base_url, voice_files=voice_files
        )
        return {"telegram": sender}

    def pacing(self, settings: Settings) -> dict[str, Pacing]:
        # Bot API: about 30 messages a second overall, about one a second in one chat.
        return {
            "telegram": Pacing(
                per_second=settings.telegram_messages_per_second,
                per_chat_seconds=settings.telegram_seconds_per_chat,
            )
        }

    def polls(self, settings: Settings) -> bool:
        return bool(settings.telegram_bot_token)

    async def poll(self, gateway: Gateway, stop: asyncio.Event) -> None:
        from bot.channels.telegram.webhook import poll

        await poll(gateway, stop)


TELEGRAM = register(TelegramProvider())
