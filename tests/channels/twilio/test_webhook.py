"""SMS and WhatsApp through Twilio's webhooks, over real HTTP to our app under uvicorn.

Requests are signed as Twilio signs them, for the URL Twilio was configured with
(PUBLIC_BASE_URL), which is not the address the test connects to: as behind a proxy.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator

from bot.app import Orienta, open_orienta
from bot.engine.identity import create_identity
from bot.messaging import Outbound
from bot.settings import Settings
from bot.storage.models import ChannelIdentity, Contact, InboundMessage, OutboxMessage
from bot.types import Channel
from bot.web import create_app
from tests.conftest import FakeClock
from tests.fakes.servers import http, serve
from tests.transcript import TRANSCRIPTS, Turn, replay

AUTH_TOKEN = "test-twilio-auth-token"
PUBLIC = "https://orienta.example.org"
PHONE = "+224000000301"  # fictitious
FILES = sorted(TRANSCRIPTS.glob("*.txt"))
_sids = itertools.count(1)


@pytest.fixture
def twilio_settings(settings: Settings) -> Settings:
    return Settings(
        **{
            **settings.__dict__,
            "twilio_account_sid": "ACtest",
            "twilio_auth_token": AUTH_TOKEN,
            "public_base_url": PUBLIC,
        }
    )


@pytest.fixture
def app_orienta(twilio_settings: Settings, clock: FakeClock) -> Iterator[Orienta]:
    orienta = open_orienta(twilio_settings, clock=clock)
    yield orienta
    orienta.close()


@pytest.fixture
def base_url(app_orienta: Orienta) -> Iterator[str]:
    with serve(create_app(app_orienta)) as url:
        yield url


def form(
    body: str, channel: Channel = "sms", sid: str | None = None, **extra: str
) -> dict[str, str]:
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    params = {
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "AccountSid": "ACtest",
        "From": f"{prefix}{PHONE}",
        "To": f"{prefix}+224000000999",
        "Body": body,
        "NumMedia": "0",
    }
    params.update(extra)
    return params


def post(
    base_url: str, path: str, params: dict[str, str], signature: str | None = None
) -> httpx.Response:
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}{path}", params)
    return http.post(
        f"{base_url}{path}", data=params, headers={"X-Twilio-Signature": signature}, timeout=30
    )


def messages(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [
        "".join(b.text or "" for b in m.iter("Body"))
        for m in ET.fromstring(response.text).iter("Message")
    ]


def count(orienta: Orienta, model: Any) -> int:
    with orienta.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcripts_through_the_webhook(
    path: Path, channel: Channel, base_url: str, app_orienta: Orienta, clock: FakeClock
) -> None:
    route = f"/webhooks/twilio/{channel}"

    def send(turn: Turn) -> list[str]:
        extra: dict[str, str] = {}
        if turn.media:
            extra = {
                "NumMedia": "1",
                "MediaContentType0": turn.media[0],
                "MediaUrl0": "https://api.twilio.example/media/ME1",
            }
        sid = f"SM{path.stem}{turn.provider_id}" if turn.provider_id else None
        return messages(post(base_url, route, form(turn.text, channel, sid, **extra)))

    replay(path, send, app_orienta, clock, channel, PHONE)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "forged",
        RequestValidator("another-token").compute_signature(
            f"{PUBLIC}/webhooks/twilio/sms", {"Body": "1"}
        ),
    ],
    ids=["unsigned", "garbage", "other-account"],
)
def test_a_forged_webhook_is_refused_and_nothing_is_stored(
    signature: str, base_url: str, app_orienta: Orienta
) -> None:
    response = post(base_url, "/webhooks/twilio/sms", form("bonjour"), signature=signature)
    assert response.status_code == 403
    assert count(app_orienta, InboundMessage) == 0
    assert count(app_orienta, Contact) == 0


def test_a_signature_for_another_url_is_refused(base_url: str, app_orienta: Orienta) -> None:
    """Signed for the Host header's URL instead of the configured public URL: refused."""
    params = form("bonjour")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{base_url}/webhooks/twilio/sms", params
    )
    assert post(base_url, "/webhooks/twilio/sms", params, signature).status_code == 403
    assert count(app_orienta, InboundMessage) == 0


def test_a_tampered_body_is_refused(base_url: str, app_orienta: Orienta) -> None:
    params = form("1")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{PUBLIC}/webhooks/twilio/sms", params
    )
    params["Body"] = "EFFACER"
    assert post(base_url, "/webhooks/twilio/sms", params, signature).status_code == 403


def test_a_retried_webhook_is_one_step_answered_the_same_way(
    base_url: str, app_orienta: Orienta
) -> None:
    for body in ("bonjour", "1", "1"):
        messages(post(base_url, "/webhooks/twilio/sms", form(body)))
    retried = form("2", sid="SMretried")
    first = messages(post(base_url, "/webhooks/twilio/sms", retried))
    again = messages(post(base_url, "/webhooks/twilio/sms", retried))
    assert first == again
    assert "Dans quelle préfecture" in first[0]
    assert count(app_orienta, InboundMessage) == 4
    # Had it been a second step, "2" would have chosen a prefecture.
    after = messages(post(base_url, "/webhooks/twilio/sms", form("1")))
    assert "Vous etes" in after[0]


def test_sms_and_whatsapp_from_one_phone_are_one_person(
    base_url: str, app_orienta: Orienta
) -> None:
    messages(post(base_url, "/webhooks/twilio/sms", form("bonjour", "sms")))
    messages(post(base_url, "/webhooks/twilio/sms", form("1", "sms")))
    # The same person goes on by WhatsApp, number written in the national format.
    params = form("1", "whatsapp")
    params["From"] = "whatsapp:+224 000 00 03 01"
    replies = messages(post(base_url, "/webhooks/twilio/whatsapp", params))
    assert "Dans quelle région" in replies[0]
    assert count(app_orienta, Contact) == 1
    assert count(app_orienta, ChannelIdentity) == 2


def test_whatsapp_menus_are_numbered_lists(base_url: str) -> None:
    replies = messages(post(base_url, "/webhooks/twilio/whatsapp", form("bonjour", "whatsapp")))
    assert "\n1. Français\n" in replies[0]


def test_a_message_that_cannot_be_stored_gets_a_5xx(base_url: str, app_orienta: Orienta) -> None:
    def fail(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO outbox_messages"):  # the turn's last write
            raise OperationalError(statement, {}, Exception("disk full"))

    event.listen(app_orienta.database, "before_cursor_execute", fail)
    try:
        response = post(base_url, "/webhooks/twilio/sms", form("bonjour", sid="SMlost"))
    finally:
        event.remove(app_orienta.database, "before_cursor_execute", fail)
    assert response.status_code == 503
    assert count(app_orienta, InboundMessage) == 0
    # Twilio's retry (connection overrides or the fallback URL) is then handled in full.
    replies = messages(post(base_url, "/webhooks/twilio/fallback", form("bonjour", sid="SMlost")))
    assert "Choisissez votre langue" in replies[0]


def test_twilio_is_off_without_credentials(settings: Settings, clock: FakeClock) -> None:
    orienta = open_orienta(settings, clock=clock)
    try:
        with serve(create_app(orienta)) as url:
            response = post(url, "/webhooks/twilio/sms", form("bonjour"))
            health = http.get(f"{url}/health", timeout=10).json()
    finally:
        orienta.close()
    assert response.status_code == 404
    assert health == {
        "status": "ok",
        "channels": {"sms": False, "whatsapp": False, "telegram": False},
    }


def queued_row(orienta: Orienta, key: str) -> None:
    now = orienta.engine.clock()
    with orienta.sessions.begin() as session:
        identity = create_identity(session, orienta.settings.identity_key, "sms", PHONE, now)
        session.add(
            OutboxMessage(
                idempotency_key=key,
                contact_id=identity.contact_id,
                identity_id=identity.id,
                channel="sms",
                payload=Outbound("sms", "", "Rappel").payload(),
                status="sending",
                due_at=now,
                created_at=now,
                updated_at=now,
            )
        )


def status_callback(base_url: str, key: str, status: str, error: str = "") -> httpx.Response:
    params = {"MessageSid": "SMcallback1", "MessageStatus": status, "AccountSid": "ACtest"}
    if error:
        params["ErrorCode"] = error
    return post(base_url, f"/webhooks/twilio/status?key={key}", params)


def row_state(orienta: Orienta) -> tuple[str, str | None]:
    with orienta.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        return row.status, row.provider_message_id


def test_status_callbacks_only_move_delivery_forward(base_url: str, app_orienta: Orienta) -> None:
    queued_row(app_orienta, "reminder:1")
    assert status_callback(base_url, "reminder:1", "delivered").status_code == 204
    # We had crashed before recording Twilio's id: the callback tells it.
    assert row_state(app_orienta) == ("delivered", "SMcallback1")
    assert status_callback(base_url, "reminder:1", "sent").status_code == 204  # late, older
    assert status_callback(base_url, "reminder:1", "failed").status_code == 204
    assert row_state(app_orienta) == ("delivered", "SMcallback1")
    assert status_callback(base_url, "reminder:1", "read").status_code == 204
    assert row_state(app_orienta)[0] == "read"


def test_an_undelivered_message_is_failed_and_21610_means_stop(
    base_url: str, app_orienta: Orienta
) -> None:
    queued_row(app_orienta, "reminder:2")
    assert status_callback(base_url, "reminder:2", "undelivered", "21610").status_code == 204
    assert row_state(app_orienta)[0] == "failed"
    with app_orienta.sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is not None


def test_status_callbacks_are_signed_and_unknown_keys_are_harmless(
    base_url: str, app_orienta: Orienta
) -> None:
    queued_row(app_orienta, "reminder:3")
    forged = http.post(
        f"{base_url}/webhooks/twilio/status?key=reminder:3",
        data={"MessageSid": "SMx", "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "forged"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert row_state(app_orienta) == ("sending", None)
    assert status_callback(base_url, "erased:9", "delivered").status_code == 200


def test_inline_whatsapp_replies_can_carry_media() -> None:
    from bot.channels.twilio.webhook import render_twiml

    reply = Outbound("whatsapp", PHONE, "Écoutez :", media=("https://example.org/a.ogg",))
    xml = ET.fromstring(render_twiml([reply], "whatsapp"))
    assert [m.text for m in xml.iter("Media")] == ["https://example.org/a.ogg"]
    sms = ET.fromstring(
        render_twiml(
            [Outbound("sms", PHONE, "Écoutez :", media=("https://example.org/a.ogg",))], "sms"
        )
    )
    assert list(sms.iter("Media")) == []
    assert [b.text for b in sms.iter("Body")] == ["Écoutez :"]
