"""A channel plug-in that lives in the tests: "fakechat", a chat app with buttons whose
messages hold at most 60 characters. It is a provider as a real one would be: its own
webhook route (JSON, a shared token), its own sender (posting to a fake provider API
served on 127.0.0.1), registered with one `register` call. Nothing under bot/ knows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.base import PermanentSendError, Sender, TransientSendError, VoiceFiles
from bot.channels.gateway import Gateway, NotStored
from bot.channels.registry import Capabilities, ChannelType, Pacing, Provider
from bot.messaging import Inbound, Outbound
from bot.settings import Settings

MAX_LENGTH = 60
TOKEN = "fakechat-test-token"


def _body(outbound: Outbound) -> str:
    return outbound.text


def _preview(outbound: Outbound) -> str:
    return "\n".join([outbound.text, *(f"({c.number}) {c.label}" for c in outbound.choices)])


FAKECHAT = ChannelType(
    "fakechat",
    Capabilities(buttons=True, max_length=MAX_LENGTH),
    body=_body,
    preview=_preview,
    provider="fakechat",
)


@dataclass
class FakeChatAPI:
    """The provider's side: what it was asked to deliver to people."""

    delivered: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def send(request: Request) -> Response:
            message = await request.json()
            self.delivered.append(message)
            return JSONResponse({"id": f"fc-{len(self.delivered)}"})

        return Starlette(routes=[Route("/send", send, methods=["POST"])])

    def texts_to(self, address: str) -> list[str]:
        return [m["text"] for m in self.delivered if m["to"] == address]


class FakeChatSender:
    channel = "fakechat"

    def __init__(self, api_url: str) -> None:
        self._client = httpx.AsyncClient(base_url=api_url, timeout=10)

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        outbound = Outbound.from_payload("fakechat", address, payload)
        message = {
            "to": address,
            "text": outbound.text,
            "buttons": [[c.number, c.label] for c in outbound.choices],
        }
        try:
            response = await self._client.post("/send", json=message)
        except httpx.HTTPError as exc:
            raise TransientSendError(f"fakechat unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise PermanentSendError(f"fakechat {response.status_code}")
        return str(response.json()["id"])

    async def aclose(self) -> None:
        await self._client.aclose()


async def webhook(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    if request.headers.get("X-Fakechat-Token") != TOKEN:
        return PlainTextResponse("Invalid token.", status_code=403)
    data = await request.json()
    inbound = Inbound(
        "fakechat", str(data["from"]), str(data.get("text", "")), provider_id=f"fc-{data['id']}"
    )
    try:
        replies = await gateway.receive(inbound, send_now=True)
    except NotStored:
        return PlainTextResponse("Not stored, please retry.", status_code=503)
    await gateway.send(replies)
    return Response(status_code=200)


class FakeChatProvider(Provider):
    name = "fakechat"
    channel_types = (FAKECHAT,)

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def receiving(self, settings: Settings) -> dict[str, bool]:
        return {"fakechat": True}

    def routes(self) -> Sequence[BaseRoute]:
        return (Route("/webhooks/fakechat", webhook, methods=["POST"]),)

    def senders(self, settings: Settings, voice_files: VoiceFiles | None) -> dict[str, Sender]:
        return {"fakechat": FakeChatSender(self.api_url)}

    def pacing(self, settings: Settings) -> dict[str, Pacing]:
        return {"fakechat": Pacing(per_second=1000)}
