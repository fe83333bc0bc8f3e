"""A fast fake Telegram Bot API for benchmarks, in its own process:

    FAKE_TELEGRAM_TOKEN=123:abc uvicorn bench.fake_telegram_server:app --port 8081

It answers `/bot{token}/{method}` as Telegram does (`{"ok": true, "result": …}`) for
getMe, sendMessage, answerCallbackQuery, setWebhook, deleteWebhook and the like, reads
parameters sent as a form (as python-telegram-bot sends them) or as JSON, and counts the
sendMessage calls per chat. `GET /stats` gives the counts so far:

    {"methods": {"sendMessage": 1234, …}, "chats": {"<chat id>": 19, …}}

A plain ASGI callable, no framework: the fake should cost as little CPU as possible,
since it shares the machine with the servers being measured. Nothing is stored but
the counts (unlike tests/fake_telegram.py, which records every message for assertions).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from bench.common import asgi_body as _body
from bench.common import asgi_json as _json
from bench.common import lifespan

__all__ = ["app"]

TOKEN = os.environ.get("FAKE_TELEGRAM_TOKEN", "")
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Orienta", "username": "orienta_bench_bot"}
TRUE_METHODS = {
    "answerCallbackQuery",
    "setWebhook",
    "deleteWebhook",
    "setMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "close",
    "logOut",
}

methods: Counter[str] = Counter()
chats: Counter[int] = Counter()
_message_ids = itertools.count(1)

Scope = dict[str, Any]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    if path == "/stats":
        await _json(
            send, 200, {"methods": dict(methods), "chats": {str(k): v for k, v in chats.items()}}
        )
        return
    parts = path.split("/")  # "", "bot<token>", "<method>"
    if len(parts) != 3 or not parts[1].startswith("bot"):
        await _error(send, 404, "Not Found")
        return
    if TOKEN and parts[1][3:] != TOKEN:
        await _error(send, 401, "Unauthorized")
        return
    method = parts[2]
    methods[method] += 1
    if method == "getMe":
        await _ok(send, BOT_USER)
    elif method == "sendMessage":
        params = _params(scope, await _body(receive))
        text = str(params.get("text", ""))
        if "chat_id" not in params or not text.strip():
            await _error(send, 400, "Bad Request: message text is empty")
            return
        chat_id = int(params["chat_id"])
        chats[chat_id] += 1
        message = {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": text,
        }
        await _ok(send, message)
    elif method in TRUE_METHODS:
        await _body(receive)
        await _ok(send, True)
    else:
        await _error(send, 404, "Not Found")


def _params(scope: Scope, body: bytes) -> dict[str, Any]:
    content_type = ""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value.decode("latin-1")
            break
    if content_type.startswith("application/json"):
        parsed = json.loads(body or b"{}")
        return parsed if isinstance(parsed, dict) else {}
    params: dict[str, Any] = dict(parse_qsl(scope.get("query_string", b"").decode()))
    if content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    return params


async def _ok(send: Any, result: Any) -> None:
    await _json(send, 200, {"ok": True, "result": result})


async def _error(send: Any, status: int, description: str) -> None:
    await _json(send, status, {"ok": False, "error_code": status, "description": description})
