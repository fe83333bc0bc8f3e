"""TwilioSender (bot/channels/twilio/sender.py) against a fake Twilio API on 127.0.0.1: the
form Twilio receives, its refusals as our errors, requests that may or may not have
reached it, and its pool of keep-alive connections."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.channels.base import PermanentSendError, TransientSendError, UncertainSendError
from bot.channels.http import POOL_SIZE
from bot.channels.twilio.sender import TwilioSender
from bot.messaging import Outbound
from bot.types import Channel
from tests.channels.twilio.sockets import hanging_up, never_connecting
from tests.fakes.servers import free_socket, serve
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

TO = "+224000000401"  # fictitious numbers
FROM = "+224000000900"
TEXT = "Rappel : rendez-vous demain à 10 h au centre."


class Connections:
    """The fake Twilio, noting the client end of the connection each request came on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.clients: list[tuple[str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.clients.append(scope["client"])
        await self.app(scope, receive, send)


@pytest.fixture
def fake() -> Iterator[tuple[FakeTwilio, Connections, str]]:
    twilio = FakeTwilio()
    connections = Connections(twilio.app())
    with serve(connections) as url:
        yield twilio, connections, url


def twilio_sender(url: str, channel: Channel = "sms", **options: Any) -> TwilioSender:
    options = {"sender": FROM, "public_base_url": "https://orienta.example.org", **options}
    return TwilioSender(
        channel, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_base_url=url, **options
    )


def payload(text: str = TEXT, media: tuple[str, ...] = ()) -> dict[str, Any]:
    return Outbound("whatsapp" if media else "sms", "", text, media=media).payload()


def send(sender: TwilioSender, body: dict[str, Any] | None = None, key: str = "test:1") -> str:
    async def go() -> str:
        try:
            return await sender.send(TO, body or payload(), key=key)
        finally:
            await sender.aclose()

    return asyncio.run(go())


def test_a_message_reaches_twilio_with_its_form(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, _, url = fake
    sid = send(twilio_sender(url), key="reminder:7")
    [accepted] = twilio.accepted
    assert sid == accepted.sid
    assert (accepted.to, accepted.sender, accepted.body) == (TO, FROM, TEXT)
    assert accepted.key == "reminder:7"  # the status callback names the row
    assert accepted.status_callback == (
        "https://orienta.example.org/webhooks/twilio/status?key=reminder%3A7"
    )


def test_whatsapp_recordings_go_alone_one_field_each_from_a_messaging_service(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, _, url = fake
    media = ("https://orienta.example.org/media/voice/1-a.ogg", "https://o.example.org/2.ogg")
    sender = twilio_sender(url, "whatsapp", sender="MG0000000000000000000000000000000")
    send(sender, payload("", media))
    [accepted] = twilio.accepted
    assert accepted.to == f"whatsapp:{TO}"
    assert accepted.sender == "MG0000000000000000000000000000000"
    assert accepted.media == list(media)
    assert not accepted.has_body  # no caption: WhatsApp shows none on audio


def test_outside_the_window_the_template_carries_the_text(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, _, url = fake
    sender = twilio_sender(url, "whatsapp", template_sid="HX00000000000000000000000000000000")

    async def go() -> None:
        await sender.send(TO, payload(), key="k", template=True)
        await sender.aclose()

    asyncio.run(go())
    [accepted] = twilio.accepted
    assert accepted.content_sid == "HX00000000000000000000000000000000"
    assert not accepted.has_body


def test_flood_control_says_when_to_try_again(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, _, url = fake
    twilio.failures = [(429, 20429, "30")]
    with pytest.raises(TransientSendError) as raised:
        send(twilio_sender(url))
    assert not isinstance(raised.value, UncertainSendError)
    assert raised.value.retry_after == 30.0  # the dispatcher's next due_at
    assert send(twilio_sender(url))  # then it goes, once
    assert twilio.count() == 1


@pytest.mark.parametrize(
    ("status", "code", "unreachable", "opted_out"),
    [(400, 21211, True, False), (400, 21610, True, True), (400, 21408, False, False)],
)
def test_refusals_about_the_number_are_permanent(
    fake: tuple[FakeTwilio, Connections, str],
    status: int,
    code: int,
    unreachable: bool,
    opted_out: bool,
) -> None:
    twilio, _, url = fake
    twilio.failures = [(status, code, None)]
    with pytest.raises(PermanentSendError) as raised:
        send(twilio_sender(url))
    assert (raised.value.unreachable, raised.value.opted_out) == (unreachable, opted_out)
    assert f"code {code}" in str(raised.value)


def test_wrong_credentials_and_server_errors_are_tried_again(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, _, url = fake
    with pytest.raises(TransientSendError) as refused:
        send(TwilioSender("sms", account_sid=ACCOUNT_SID, auth_token="wrong", sender=FROM,
                          public_base_url="", api_base_url=url))  # fmt: skip
    assert "401" in str(refused.value) and "wrong" not in str(refused.value)
    twilio.failures = [(503, None, None)]
    with pytest.raises(TransientSendError) as unavailable:
        send(twilio_sender(url))
    assert not isinstance(unavailable.value, UncertainSendError)
    assert unavailable.value.retry_after is None


def test_a_hung_api_times_out_as_uncertain_and_reconciliation_finds_the_message(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    """Twilio took the message in but its answer never came: the row is reconciled with
    Twilio's list, not sent again."""
    twilio, _, url = fake
    twilio.hold_answers()

    async def go() -> tuple[float, str | None, str | None]:
        sender = twilio_sender(url, timeout=0.3)
        started = time.monotonic()
        try:
            with pytest.raises(UncertainSendError):
                await sender.send(TO, payload(), key="test:1")
            waited = time.monotonic() - started
            twilio.release_answers()
            since = datetime.now(UTC)
            return (
                waited,
                await sender.find_sent(TO, payload(), since),
                await sender.find_sent(TO, payload("Un autre texte"), since),
            )
        finally:
            await sender.aclose()

    try:
        waited, found, other = asyncio.run(go())
    finally:
        twilio.release_answers()
    assert waited < 5
    assert found == twilio.accepted[0].sid
    assert other is None
    assert twilio.count() == 1


def test_a_connection_closed_without_an_answer_is_uncertain() -> None:
    with hanging_up() as server:
        with pytest.raises(UncertainSendError):
            send(twilio_sender(server.url))
        [request] = server.requests  # it went out: Twilio may have it
    assert b"StatusCallback=" in request


def test_no_connection_in_time_is_tried_again_later_not_reconciled() -> None:
    with never_connecting() as url:
        started = time.monotonic()
        with pytest.raises(TransientSendError) as raised:
            send(twilio_sender(url, timeout=0.3))
        assert time.monotonic() - started < 5
    assert not isinstance(raised.value, UncertainSendError)


def test_a_refused_connection_is_tried_again_later() -> None:
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()  # nothing listens there now
    with pytest.raises(TransientSendError) as raised:
        send(twilio_sender(url))
    assert not isinstance(raised.value, UncertainSendError)


def test_messages_share_kept_alive_connections_up_to_the_pool_size(
    fake: tuple[FakeTwilio, Connections, str],
) -> None:
    twilio, connections, url = fake
    sender = twilio_sender(url)  # built before any event loop runs, as at start-up

    async def go() -> None:
        for n in range(20):  # one after another: one connection
            await sender.send(TO, payload(f"{TEXT} {n}"), key=f"one:{n}")
        assert len(set(connections.clients)) == 1
        await asyncio.gather(
            *(sender.send(TO, payload(f"{TEXT} {n}"), key=f"many:{n}") for n in range(150))
        )
        await sender.aclose()

    asyncio.run(go())
    assert twilio.count() == 170
    assert len(set(connections.clients)) <= POOL_SIZE


def test_a_proxy_named_by_the_environment_carries_the_requests(
    fake: tuple[FakeTwilio, Connections, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with httpx before: HTTP_PROXY (HTTPS_PROXY for https) is used, unless NO_PROXY
    names the host."""
    twilio, _, url = fake
    with hanging_up() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with pytest.raises(UncertainSendError):  # the proxy took it, and hung up
            send(twilio_sender("http://api.twilio.invalid"))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert send(twilio_sender(url)) == twilio.accepted[0].sid  # straight to Twilio
    [request] = proxy.requests
    assert request.startswith(
        f"POST http://api.twilio.invalid/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json ".encode()
    )
