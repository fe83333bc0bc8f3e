"""A channel added as a plug-in: "fakechat" (tests/channels/fake_chat.py) is one module
in the tests and one `registered(...)`, with no file under bot/ knowing it. A whole
orientation runs through it end to end, over HTTP on 127.0.0.1: its webhook route is
mounted, its sender is used, and no message it sends is longer than its own limit."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.app import Orienta
from bot.channels.layout import utf16_length
from bot.channels.registry import channel_type, registered
from bot.flows import ORIENTATION
from bot.storage.models import Answer, Contact, InboundMessage
from bot.web import create_app
from tests.channels.fake_chat import MAX_LENGTH, TOKEN, FakeChatAPI, FakeChatProvider
from tests.fakes.servers import http, serve

PERSON = "fc-person-1"  # a fakechat user id: no phone number
# Language, consent, Kindia/Coyah, man, 25-34, on his own, 3-12 months, training + job,
# solar + recycling, the money questions, and the summary confirmed.
ORIENTATION_ANSWERS = [
    "bonjour", "1", "1", "3", "1", "2", "3", "2", "2", "1,2", "6 et 7",
    "3", "3", "4", "1", "2", "2", "1",
]  # fmt: skip
_ids = itertools.count(1)


@pytest.fixture
def fakechat(orienta: Orienta) -> Iterator[tuple[str, FakeChatAPI]]:
    api = FakeChatAPI()
    with (
        serve(api.app()) as api_url,
        registered(FakeChatProvider(api_url)),
        serve(create_app(orienta)) as base_url,
    ):
        yield base_url, api
    with pytest.raises(KeyError):
        channel_type("fakechat")  # gone once unregistered


def say(base_url: str, text: str, token: str = TOKEN) -> httpx.Response:
    message = {"id": next(_ids), "from": PERSON, "text": text}
    headers = {"X-Fakechat-Token": token}
    return http.post(f"{base_url}/webhooks/fakechat", json=message, headers=headers, timeout=30)


def test_an_orientation_runs_end_to_end_through_a_plug_in_channel(
    fakechat: tuple[str, FakeChatAPI], orienta: Orienta
) -> None:
    base_url, api = fakechat
    for text in ORIENTATION_ANSWERS:
        assert say(base_url, text).status_code == 200
    said = " ".join(" ".join(api.texts_to(PERSON)).split())
    assert "Choisissez votre langue" in said
    done = ORIENTATION.step("done").prompt.text  # no partner seeded: staff will look
    assert said.endswith(" ".join(done.split()))
    with orienta.sessions() as session:
        answers = {a.field: a.value for a in session.scalars(select(Answer))}
        assert answers["region"] == "kindia"
        assert answers["interests"] == ["solar", "recycling"]
        assert session.scalars(select(Contact.consent)).one() == "given"
        assert len(session.scalars(select(InboundMessage.id)).all()) == len(ORIENTATION_ANSWERS)
    health = http.get(f"{base_url}/health", timeout=10).json()
    assert health["channels"]["fakechat"] is True


def test_a_plug_in_channel_s_length_limit_is_respected_with_nothing_lost(
    fakechat: tuple[str, FakeChatAPI],
) -> None:
    base_url, api = fakechat
    say(base_url, "bonjour")
    before = len(api.delivered)
    say(base_url, "1")  # French: the consent question, about 300 characters
    consent = api.delivered[before:]
    assert len(consent) >= 5
    assert all(utf16_length(m["text"]) <= MAX_LENGTH for m in api.delivered)
    text = ORIENTATION.step("consent").prompt.text
    assert " ".join(" ".join(m["text"] for m in consent).split()) == " ".join(text.split())
    # The answer buttons go with the last piece only, as on a real chat app.
    assert consent[-1]["buttons"] == [[1, "Oui"], [2, "Non"]]
    assert all(not m["buttons"] for m in consent[:-1])


def test_a_plug_in_channel_s_webhook_is_its_own_to_guard(
    fakechat: tuple[str, FakeChatAPI], orienta: Orienta
) -> None:
    base_url, api = fakechat
    assert say(base_url, "bonjour", token="forged").status_code == 403
    assert api.delivered == []
    with orienta.sessions() as session:
        assert session.scalars(select(InboundMessage.id)).all() == []
