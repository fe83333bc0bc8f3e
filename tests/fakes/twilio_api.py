"""A fake Twilio REST API (Messages) for tests, served on 127.0.0.1.

It accepts messages like Twilio does (basic auth, form body, 201 with a sid), can be
told to fail (429 with Retry-After, 5xx, error codes such as 21610) or to hold its
answers (a message accepted, its answer late: a client timing out), lists what it
accepted (for reconciliation), and counts accepted messages per Orienta key (read from
the StatusCallback URL) so tests can prove "exactly once". Tests wait for what it
receives with `wait_until`, never by sleeping.
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.waiting import FakeProvider

ACCOUNT_SID = "ACfake0000000000000000000000000000"
AUTH_TOKEN = "fake-twilio-token"


@dataclass
class Accepted:
    sid: str
    to: str
    sender: str
    body: str
    key: str | None
    status_callback: str | None
    content_sid: str | None
    media: list[str]
    date_created: datetime
    has_body: bool = True
    """False when the request had no Body at all (a WhatsApp recording goes alone)."""


@dataclass
class FakeTwilio(FakeProvider):
    accepted: list[Accepted] = field(default_factory=list)
    attempts: int = 0
    failures: list[tuple[int, int | None, str | None]] = field(default_factory=list)
    """Next answers to give instead of accepting: (HTTP status, Twilio code, Retry-After)."""
    blocked: dict[str, int] = field(default_factory=dict)
    """To-address → Twilio error code answered for it every time."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def per_key(self) -> Counter[str | None]:
        with self._lock:
            return Counter(a.key for a in self.accepted)

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{sid}/Messages.json",
                    self._messages,
                    methods=["GET", "POST"],
                )
            ]
        )

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _messages(self, request: Request) -> Response:
        if not self._authorised(request) or request.path_params["sid"] != ACCOUNT_SID:
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        if request.method == "GET":
            return self._list(request)
        raw = await request.form()
        form = {k: str(v) for k, v in raw.items()}
        media = [str(v) for v in raw.getlist("MediaUrl")]
        answer = self._accept(form, media)
        self._received()
        await self._answer_when_released()
        return answer

    def _accept(self, form: dict[str, str], media: list[str]) -> Response:
        with self._lock:
            self.attempts += 1
            to = form.get("To", "")
            if to in self.blocked:
                code = self.blocked[to]
                return JSONResponse({"code": code, "message": "blocked"}, status_code=400)
            if self.failures:
                status, code, retry_after = self.failures.pop(0)
                headers = {"Retry-After": retry_after} if retry_after else {}
                return JSONResponse(
                    {"code": code, "message": "fake failure"}, status_code=status, headers=headers
                )
            callback = form.get("StatusCallback")
            key = parse_qs(urlparse(callback).query).get("key", [None])[0] if callback else None
            accepted = Accepted(
                sid=f"SM{next(self._ids):032x}",
                to=to,
                sender=form.get("From") or form.get("MessagingServiceSid", ""),
                body=form.get("Body", ""),
                key=key,
                status_callback=callback,
                content_sid=form.get("ContentSid"),
                media=media,
                date_created=datetime.now(UTC),
                has_body="Body" in form,
            )
            self.accepted.append(accepted)
        return JSONResponse({"sid": accepted.sid, "status": "queued", "to": to}, status_code=201)

    def _list(self, request: Request) -> Response:
        to = request.query_params.get("To")
        with self._lock:
            found = [a for a in self.accepted if to is None or a.to == to]
        return JSONResponse(
            {
                "messages": [
                    {
                        "sid": a.sid,
                        "to": a.to,
                        "body": a.body,
                        "date_created": a.date_created.isoformat(),
                    }
                    for a in found
                ]
            }
        )
