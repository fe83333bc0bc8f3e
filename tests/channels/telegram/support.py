"""What the Telegram tests share besides their fixtures (conftest.py): updates as
Telegram would post them, posting them, and a few replies."""

from __future__ import annotations

import itertools

import httpx
from sqlalchemy import func, select

from bot.app import Orienta
from bot.messaging import Choice
from tests.fakes.servers import http

SECRET = "test-webhook-secret"
CHAT = 700000401  # fictitious chat id
_updates = itertools.count(1000)


def message_update(text: str, update_id: int | None = None, **extra: object) -> dict[str, object]:
    message: dict[str, object] = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Test"},
    }
    if text:
        message["text"] = text
    message.update(extra)
    return {"update_id": update_id or next(_updates), "message": message}


def button_update(data: str) -> dict[str, object]:
    return {
        "update_id": next(_updates),
        "callback_query": {
            "id": "cbq-1",
            "data": data,
            "chat_instance": "x",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Test"},
            "message": {"message_id": 5, "date": 0, "chat": {"id": CHAT, "type": "private"}},
        },
    }


def post(base_url: str, update: dict[str, object], secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return http.post(f"{base_url}/webhooks/telegram", json=update, headers=headers, timeout=30)


def count(orienta: Orienta, model: object) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


QUESTION = "Dans quelle région vivez-vous maintenant ?"
REGIONS = tuple(
    Choice(n, key, label)
    for n, (key, label) in enumerate(
        [("conakry", "Conakry"), ("boke", "Boké"), ("labe", "Labé"), ("kankan", "Kankan")],
        start=1,
    )
)


def long_text() -> str:
    """About 10,000 characters: paragraphs of a few lines, made of ordinary words."""
    line = "Vous pouvez suivre une formation de trois mois près de chez vous, gratuite."
    paragraphs = [f"Paragraphe {n}.\n" + "\n".join([line] * 12) for n in range(11)]
    return "\n\n".join(paragraphs)
