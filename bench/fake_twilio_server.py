"""A fast fake Twilio Messages API for benchmarks, in its own process:

    uvicorn bench.fake_twilio_server:app --port 8082

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio does (201 and
`{"sid": …}`), counts the messages it accepted per Orienta key (the `key` query parameter
of the StatusCallback URL, which the dispatcher sets to the row's idempotency key), and
notes when the first and the last were accepted. `GET /stats` gives the counts so far:

    {"total": 1234, "keys": 1230, "duplicates": 4, "first": 12.3, "last": 15.6}

`duplicates` is the number of extra acceptances (a key accepted 3 times counts 2),
`first`/`last` are time.time() of the first and last acceptance (null before any),
`GET /stats?keys=1` adds the keys accepted more than once. `POST /reset` forgets all.

A plain ASGI callable, no framework: the fake should cost as little CPU as possible,
since it shares the machine with the processes measured. Nothing is stored but the
counts (tests/fake_twilio.py, which records every message, is the one for assertions).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from bench.common import asgi_body as _body
from bench.common import asgi_json as _json
from bench.common import lifespan

__all__ = ["app"]

Scope = dict[str, Any]

per_key: Counter[str] = Counter()
state: dict[str, Any] = {"total": 0, "duplicates": 0, "first": None, "last": None}
_sids = itertools.count(1)

_CALLBACK = b"StatusCallback="


def _key(body: bytes) -> str | None:
    """The `key` query parameter of the form's StatusCallback URL, found without parsing
    the whole form (Body and To are of no interest here)."""
    start = body.find(_CALLBACK)
    if start < 0:
        return None
    start += len(_CALLBACK)
    end = body.find(b"&", start)
    callback = unquote_plus(body[start : end if end >= 0 else len(body)].decode())
    _, _, query = callback.partition("?")
    for name, value in parse_qsl(query):
        if name == "key":
            return value
    return None


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    method: str = scope["method"]
    if method == "POST" and path.startswith("/2010-04-01/Accounts/"):
        if not path.endswith("/Messages.json"):
            await _json(send, 404, {"code": 20404, "message": "Not Found"})
            return
        body = await _body(receive)
        key = _key(body)
        now = time.time()
        if state["first"] is None:
            state["first"] = now
        state["last"] = now
        state["total"] += 1
        if key is not None:
            per_key[key] += 1
            if per_key[key] > 1:
                state["duplicates"] += 1
        sid = f"SM{next(_sids):032x}"
        await _json(send, 201, {"sid": sid, "status": "queued"})
    elif path == "/stats":
        stats = {**state, "keys": len(per_key)}
        if b"keys=1" in scope.get("query_string", b""):
            stats["duplicated"] = {k: n for k, n in per_key.items() if n > 1}
        await _json(send, 200, stats)
    elif path == "/reset" and method == "POST":
        per_key.clear()
        state.update(total=0, duplicates=0, first=None, last=None)
        await _json(send, 200, {"ok": True})
    else:
        await _json(send, 404, {"code": 20404, "message": "Not Found"})
