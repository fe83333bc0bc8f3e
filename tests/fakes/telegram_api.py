"""A fake Telegram Bot API for tests, served on 127.0.0.1 (with `tests.fakes.servers.serve`).

It answers getMe, sendMessage, answerCallbackQuery and setWebhook as Telegram does
(`{"ok": true, "result": …}`, errors as `{"ok": false, "error_code": …, "description": …,
"parameters": {"retry_after": …}}`), reads parameters sent as a form (as
python-telegram-bot sends them) or as JSON, records every call, and can be told to fail
the next sendMessage calls: flood control (429), bot blocked (403), chat not found (400),
or to hold its answers (a message sent, its answer late). Tests wait for what it receives
with `wait_until`, and hand it updates for polling with `push_update`, never sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.waiting import FakeProvider

TOKEN = "123456:fake-telegram-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Orienta", "username": "orienta_test_bot"}
# Parameters sent as JSON text inside a form (python-telegram-bot encodes them so).
JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "reply_parameters"}


@dataclass
class Sent:
    chat_id: int
    text: str
    buttons: list[tuple[str, str]]
    """(text, callback_data) of each inline button, row after row."""
    message_id: int = 0
    reply_markup: dict[str, Any] | None = None


@dataclass
class FakeTelegram(FakeProvider):
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: list[tuple[str, int, bytes]] = field(default_factory=list)
    """Uploaded voice notes and audio files: (method, chat id, bytes)."""
    failures: list[tuple[int, str, int | None]] = field(default_factory=list)
    """Next sendMessage answers instead of sending: (HTTP status, description, retry_after)."""
    updates: list[dict[str, Any]] = field(default_factory=list)
    """Updates waiting for getUpdates (polling mode)."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def push_update(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (polling mode), handed to a long poll at once."""
        with self._lock:
            self.updates.append(update)
        self._received()

    def _updates_from(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        """A long poll: the updates from `offset`, as soon as there are some."""
        waiting: list[dict[str, Any]] = []

        def arrived() -> bool:
            nonlocal waiting
            with self._lock:
                waiting = [u for u in self.updates if int(u["update_id"]) >= offset]
            return bool(waiting)

        with self._changed:
            self._changed.wait_for(arrived, timeout)
        return waiting

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/bot{token}/{method}", self._method, methods=["GET", "POST"])]
        )

    # -- what tests program and read -----------------------------------------------------

    def flood(self, count: int = 1, retry_after: int = 3) -> None:
        self._fail(count, 429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def block(self, count: int = 1) -> None:
        self._fail(count, 403, "Forbidden: bot was blocked by the user")

    def lose_chat(self, count: int = 1) -> None:
        self._fail(count, 400, "Bad Request: chat not found")

    def _fail(
        self, count: int, status: int, description: str, retry_after: int | None = None
    ) -> None:
        with self._lock:
            self.failures.extend([(status, description, retry_after)] * count)

    def texts(self, chat_id: int | None = None) -> list[str]:
        with self._lock:
            return [s.text for s in self.sent if chat_id is None or s.chat_id == chat_id]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    # -- the Bot API ---------------------------------------------------------------------

    async def _method(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await _params(request)
        if method == "getUpdates":  # a short long poll: what is waiting from the offset
            with self._lock:
                self.calls.append((method, params))
            self._received()
            offset = int(params.get("offset") or 0)
            return _ok(await asyncio.to_thread(self._updates_from, offset, 1.0))
        answer = self._answer(method, params)
        self._received()
        if method == "sendMessage":
            await self._answer_when_released()
        return answer

    def _answer(self, method: str, params: dict[str, Any]) -> JSONResponse:
        with self._lock:
            self.calls.append((method, params))
            if method == "getMe":
                return _ok(BOT_USER)
            if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
                return _ok(True)

            if method == "sendMessage":
                return self._send_message(params)
            if method in ("sendVoice", "sendAudio"):
                return self._send_file(method, params)
        return _error(404, "Not Found")

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        if self.failures:
            status, description, retry_after = self.failures.pop(0)
            extra = {"retry_after": retry_after} if retry_after is not None else None
            return _error(status, description, extra)
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        buttons = [
            (str(button["text"]), str(button.get("callback_data", "")))
            for row in (markup or {}).get("inline_keyboard", [])
            for button in row
        ]
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, text, buttons, message_id, markup))
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": text,
            }
        )

    def _send_file(self, method: str, params: dict[str, Any]) -> JSONResponse:
        """A voice note or an audio file, uploaded (multipart) as bytes."""
        field_name = "voice" if method == "sendVoice" else "audio"
        data = params.get(field_name)
        if not isinstance(data, bytes) or not data:
            return _error(400, f"Bad Request: there is no {field_name} in the request")
        chat_id = int(params["chat_id"])
        message_id = next(self._ids)
        self.files.append((method, chat_id, data))
        media = {"file_id": f"file-{message_id}", "file_unique_id": f"u{message_id}", "duration": 1}
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                field_name: media,
            }
        )


async def _params(request: Request) -> dict[str, Any]:
    """The method's parameters, from a JSON body, a form or the query string."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    params: dict[str, Any] = dict(request.query_params)
    async with request.form() as form:  # closes the uploaded files' temporary files
        for key, value in form.items():
            params[key] = await value.read() if isinstance(value, UploadFile) else str(value)
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)
