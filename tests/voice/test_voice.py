"""Voice prompts end to end: recorded per language, chosen with ÉCOUTER (or oral-first),
sent before the text on WhatsApp (a URL our app serves) and Telegram (an upload); never on
SMS; no recording → text only. On SQLite and PostgreSQL, over real HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from bot.app import Orienta, open_orienta
from bot.channels.layout import render_plain
from bot.channels.telegram.sender import TelegramSender
from bot.channels.twilio.sender import TwilioSender
from bot.errors import OrientaError
from bot.flows import ORIENTATION
from bot.messaging import Inbound, Outbound
from bot.outbox.dispatcher import Dispatcher
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.models import Contact, OutboxMessage, VoicePrompt
from bot.types import Channel
from bot.voice.recordings import (
    MAX_BYTES,
    add_recording,
    audio_type,
    check_recording,
    missing,
    recorded_share,
    stale,
    voice_loader,
)
from bot.web import create_app
from tests.conftest import FakeClock
from tests.fakes.servers import http, serve
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, FakeTwilio
from tests.fakes.twilio_api import AUTH_TOKEN as FAKE_TWILIO_TOKEN

# Synthetic audio: the right magic bytes, no voice of anyone.
OGG = b"OggS\x00\x02" + bytes(range(64)) * 4
MP3 = b"ID3\x03\x00" + bytes(200)
PHONE = "+224000000501"  # fictitious
CHAT = 700000501  # fictitious
AUTH_TOKEN = "test-twilio-auth-token"
PUBLIC = "https://orienta.example.org"
SECRET = "test-webhook-secret"
_ids = iter(range(1, 10_000))


def record(orienta: Orienta, lang: str, message_id: str, data: bytes = OGG) -> None:
    with orienta.sessions.begin() as session:
        add_recording(session, lang, message_id, data)


def say(
    orienta: Orienta, text: str, channel: Channel = "whatsapp", lang: str | None = "fr"
) -> list[Outbound]:
    inbound = Inbound(channel, PHONE, text, provider_id=f"p{next(_ids)}", language=lang)
    return orienta.engine.handle(inbound)


def shown(outbounds: list[Outbound]) -> list[str]:
    return [render_plain(o, "whatsapp") for o in outbounds]


# -- the engine ------------------------------------------------------------------------


def test_listen_sends_the_recording_before_the_text(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    assert all(not o.media for o in say(orienta, "bonjour"))  # not asked for yet
    replies = say(orienta, "ÉCOUTER")
    assert shown(replies)[0] == "(audio: consent.ask)"
    assert replies[0].text == "" and len(replies[0].media) == 1
    assert replies[0].media[0].startswith("/media/voice/")  # no PUBLIC_BASE_URL here
    assert "Acceptez-vous ?" in replies[1].text
    # The next question has no recording: text only, no error.
    replies = say(orienta, "1")
    assert [o.media for o in replies] == [()]
    assert "Dans quelle région" in replies[0].text


def test_without_listen_or_oral_first_there_is_no_audio(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    replies = say(orienta, "bonjour")
    assert all(not o.media for o in replies)


def test_text_switches_audio_off(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    say(orienta, "bonjour")
    say(orienta, "écouter")
    replies = say(orienta, "TEXTE")
    assert all(not o.media for o in replies)
    assert "seulement le texte" in replies[0].text
    assert "Acceptez-vous ?" in replies[0].text


def test_sms_never_carries_audio(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    say(orienta, "bonjour", channel="sms")
    replies = say(orienta, "ecouter", channel="sms")
    assert all(not o.media for o in replies)
    assert "Acceptez-vous ?" in replies[-1].text


def test_oral_first_language_gets_audio_until_text(settings: Settings, clock: FakeClock) -> None:
    oral = Settings(**{**settings.__dict__, "oral_first_languages": frozenset({"ff"})})
    orienta = open_orienta(oral, clock=clock)
    try:
        record(orienta, "ff", "consent.ask")
        record(orienta, "ff", "region.ask", MP3)
        replies = say(orienta, "jam", lang="ff")
        assert shown(replies)[0] == "(audio: consent.ask)"
        assert replies[0].media[0].endswith(".ogg")
        replies = say(orienta, "1")
        assert shown(replies)[0] == "(audio: region.ask)"
        assert replies[0].media[0].endswith(".mp3")
        replies = say(orienta, "texte")
        assert all(not o.media for o in replies)
        # French speakers are not oral-first here.
        other = Inbound("whatsapp", "+224000000502", "bonjour", provider_id="x1", language="fr")
        record(orienta, "fr", "consent.ask")
        assert all(not o.media for o in orienta.engine.handle(other))
    finally:
        orienta.close()


def test_a_recording_of_an_older_french_text_is_stale(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    with orienta.sessions.begin() as session:
        prompt = session.query(VoicePrompt).one()
        prompt.source_text_sha256 = "0" * 64  # recorded from a text that has changed since
    with orienta.sessions() as session:
        assert ("consent.ask", ORIENTATION.step("consent").prompt.text) in missing(session, "fr")
        assert recorded_share(session, "fr")[0] == 0
    say(orienta, "bonjour")
    assert all(not o.media for o in say(orienta, "écouter"))


def test_missing_shrinks_as_recordings_are_added(orienta: Orienta) -> None:
    with orienta.sessions() as session:
        before = missing(session, "sus")
        done, total = recorded_share(session, "sus")
    assert done == 0 and total == len(before) > 100
    assert all(not mid.startswith("keyword.") for mid, _ in before)
    record(orienta, "sus", "consent.ask")
    record(orienta, "sus", "consent.ask", MP3)  # again: replaces
    with orienta.sessions() as session:
        after = missing(session, "sus")
        assert recorded_share(session, "sus") == (1, total)
        assert session.query(VoicePrompt).count() == 1
    assert {mid for mid, _ in before} - {mid for mid, _ in after} == {"consent.ask"}


# -- WhatsApp over HTTP: the TwiML names a URL that our app serves ----------------------


@pytest.fixture
def twilio_orienta(settings: Settings, clock: FakeClock) -> Iterator[Orienta]:
    configured = Settings(
        **{
            **settings.__dict__,
            "twilio_account_sid": "ACtest",
            "twilio_auth_token": AUTH_TOKEN,
            "public_base_url": PUBLIC,
        }
    )
    orienta = open_orienta(configured, clock=clock)
    yield orienta
    orienta.close()


def post_whatsapp(base_url: str, body: str) -> ET.Element:
    params = {
        "MessageSid": f"SM{next(_ids):032d}",
        "AccountSid": "ACtest",
        "From": f"whatsapp:{PHONE}",
        "To": "whatsapp:+224000000999",
        "Body": body,
        "NumMedia": "0",
    }
    path = "/webhooks/twilio/whatsapp"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}{path}", params)
    response = http.post(
        f"{base_url}{path}", data=params, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def test_whatsapp_gets_the_recording_as_a_url_our_app_serves(twilio_orienta: Orienta) -> None:
    record(twilio_orienta, "fr", "consent.ask")
    with serve(create_app(twilio_orienta)) as base_url:
        post_whatsapp(base_url, "bonjour")
        post_whatsapp(base_url, "1")  # Français: the consent question, text only
        xml = post_whatsapp(base_url, "écouter")
        first, second = list(xml.iter("Message"))
        [url] = [m.text for m in first.iter("Media")]
        assert url is not None and url.startswith(f"{PUBLIC}/media/voice/")
        assert list(first.iter("Body")) == []  # the recording goes alone
        assert "Acceptez-vous ?" in "".join(b.text or "" for b in second.iter("Body"))

        served = http.get(base_url + url.removeprefix(PUBLIC), timeout=10)
        assert served.status_code == 200
        assert served.content == OGG
        assert served.headers["content-type"] == "audio/ogg"
        assert served.headers["content-length"] == str(len(OGG))
        assert "immutable" in served.headers["cache-control"]
        head = http.head(base_url + url.removeprefix(PUBLIC), timeout=10)
        assert head.status_code == 200 and head.headers["content-length"] == str(len(OGG))

        wrong_hash = url.removeprefix(PUBLIC).replace("-", "-0", 1)
        assert http.get(base_url + wrong_hash, timeout=10).status_code == 404
        assert http.get(f"{base_url}/media/voice/999-0123456789abcdef.ogg").status_code == 404


# -- Telegram over HTTP: the Bot API receives the bytes before the text -----------------


def test_telegram_uploads_the_voice_note_before_the_text(
    settings: Settings, clock: FakeClock
) -> None:
    telegram = FakeTelegram()
    with serve(telegram.app()) as api:
        configured = Settings(
            **{
                **settings.__dict__,
                "telegram_bot_token": TOKEN,
                "telegram_webhook_secret": SECRET,
                "telegram_api_base_url": api,
                "telegram_seconds_per_chat": 0.0,
            }
        )
        orienta = open_orienta(configured, clock=clock)
        try:
            record(orienta, "fr", "consent.ask")
            record(orienta, "fr", "region.ask", MP3)
            with serve(create_app(orienta)) as base_url:
                for number, text in enumerate(["bonjour", "1", "ecouter", "1"], start=1):
                    update = {
                        "update_id": 5000 + number,
                        "message": {
                            "message_id": number,
                            "date": 0,
                            "chat": {"id": CHAT, "type": "private"},
                            "from": {"id": CHAT, "is_bot": False, "first_name": "T"},
                            "text": text,
                        },
                    }
                    response = http.post(
                        f"{base_url}/webhooks/telegram",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        timeout=30,
                    )
                    assert response.status_code == 200
        finally:
            orienta.close()
    # Language, then consent: text only (no ÉCOUTER yet). ÉCOUTER: the consent recording
    # as a voice note, then the text; "1": the region recording (MP3: an audio file).
    assert telegram.files == [("sendVoice", CHAT, OGG), ("sendAudio", CHAT, MP3)]
    methods = [name for name, _ in telegram.calls if name.startswith("send")]
    assert methods == [
        "sendMessage",
        "sendMessage",
        "sendVoice",
        "sendMessage",
        "sendAudio",
        "sendMessage",
    ]


# -- the command -------------------------------------------------------------------------


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_audio_commands(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ORIENTA_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "k",
        "IDENTITY_KEY": "i",
    }
    ogg = tmp_path / "consent.ogg"
    ogg.write_bytes(OGG)
    text = tmp_path / "notes.txt"
    text.write_text("pas un son")

    before = run(env, "audio", "missing", "ff")
    assert before.returncode == 0, before.stderr
    assert "consent.ask\t" in before.stdout

    added = run(env, "audio", "add", "ff", "consent.ask", str(ogg))
    assert added.returncode == 0, added.stderr
    assert "consent.ask" in added.stdout and "audio/ogg" in added.stdout

    after = run(env, "audio", "missing", "ff")
    assert "consent.ask\t" not in after.stdout
    assert len(after.stdout.splitlines()) == len(before.stdout.splitlines()) - 1
    total = len(before.stdout.splitlines())
    assert f"{total - 1} of {total} messages have no current recording in ff." in after.stderr

    status = run(env, "i18n", "status")
    assert status.returncode == 0, status.stderr
    pular = next(line for line in status.stdout.splitlines() if line.startswith("ff "))
    assert pular.split()[-1] == f"{100 / total:.0f}%"  # one recording of all the messages

    # The French text changed since (simulated): the recording is stale, listed again.
    database = make_engine(database_url)
    with database.begin() as connection:
        connection.execute(update(VoicePrompt).values(source_text_sha256="0" * 64))
    database.dispose()
    older = run(env, "audio", "missing", "ff")
    [line] = [line for line in older.stdout.splitlines() if line.startswith("consent.ask\t")]
    assert line.endswith("\t(recorded from an older French text)")
    assert f"{total} of {total} messages" in older.stderr and "1 recorded from an" in older.stderr

    bad_lang = run(env, "audio", "add", "xx", "consent.ask", str(ogg))
    assert bad_lang.returncode != 0 and "invalid choice" in bad_lang.stderr
    bad_id = run(env, "audio", "add", "ff", "no.such.message", str(ogg))
    assert bad_id.returncode != 0 and "Unknown message id" in bad_id.stderr
    not_audio = run(env, "audio", "add", "ff", "region.ask", str(text))
    assert not_audio.returncode != 0 and "Not an audio file" in not_audio.stderr
    no_file = run(env, "audio", "add", "ff", "region.ask", str(tmp_path / "absent.ogg"))
    assert no_file.returncode != 0 and "No such file" in no_file.stderr

    # Recorded again from the current text: fresh, and it replaced the stale one.
    assert run(env, "audio", "add", "ff", "consent.ask", str(ogg)).returncode == 0
    final = run(env, "audio", "missing", "ff")
    assert "consent.ask\t" not in final.stdout
    assert "region.ask\t" in final.stdout  # the refused files stored nothing


# -- more of the engine: SMS, help, erasure, STOP ----------------------------------------


def test_listen_by_sms_is_kept_for_whatsapp(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    say(orienta, "bonjour", channel="sms")
    replies = say(orienta, "ÉCOUTER", channel="sms")
    assert all(not o.media for o in replies)
    assert "sur WhatsApp ou Telegram, pas par SMS" in replies[0].text
    # Same phone on WhatsApp: the same person, who asked for audio.
    replies = say(orienta, "aide", channel="whatsapp")
    assert shown(replies)[0] == "(audio: consent.ask)"


def test_help_mentions_listen_where_audio_can_go(orienta: Orienta) -> None:
    say(orienta, "bonjour", channel="sms")
    assert "ÉCOUTER" not in say(orienta, "aide", channel="sms")[0].text
    assert "Écrivez ÉCOUTER" in say(orienta, "aide", channel="whatsapp")[0].text


def test_erasure_with_voice_on(orienta: Orienta) -> None:
    record(orienta, "fr", "consent.ask")
    record(orienta, "fr", "erase.ask")
    say(orienta, "bonjour")
    say(orienta, "écouter")
    replies = say(orienta, "EFFACER")
    assert shown(replies)[0] == "(audio: erase.ask)"
    replies = say(orienta, "1")  # yes, erase
    assert all(not o.media for o in replies)
    assert "effacées" in replies[0].text
    with orienta.sessions() as session:
        assert session.scalar(select(Contact).limit(1)) is None
        assert len(session.scalars(select(VoicePrompt)).all()) == 2  # prompts are no one's
    # Writing again: a new person, text only until they ask again.
    assert all(not o.media for o in say(orienta, "bonjour"))


def test_a_stopped_person_choosing_audio_gets_no_answer(orienta: Orienta) -> None:
    say(orienta, "bonjour")
    say(orienta, "STOP")
    assert say(orienta, "écouter") == []
    with orienta.sessions() as session:
        assert session.scalars(select(Contact.voice)).one() is None


# -- recognising files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"OggS\x00\x02" + bytes(40), "audio/ogg"),
        (b"ID3\x04\x00" + bytes(40), "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + bytes(40), "audio/mpeg"),  # an MP3 frame, no ID3 tag
        (b"\x00\x00\x00\x20ftypM4A " + bytes(40), "audio/mp4"),
        (b"#!AMR\n" + bytes(40), "audio/amr"),
    ],
)
def test_audio_type_from_the_first_bytes(data: bytes, content_type: str) -> None:
    assert audio_type(data) == content_type


@pytest.mark.parametrize(
    "data", [b"RIFF\x24\x00\x00\x00WAVEfmt ", b"%PDF-1.7", b"pas un son", b"\xff", b""]
)
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(OrientaError, match="Not an audio file"):
        audio_type(data)


def test_what_cannot_be_recorded() -> None:
    assert check_recording("ff", "consent.ask", 10) == ORIENTATION.step("consent").prompt.text
    with pytest.raises(OrientaError, match="Unknown language"):
        check_recording("xx", "consent.ask", 10)
    with pytest.raises(OrientaError, match="Unknown message id"):
        check_recording("ff", "keyword.stop", 10)  # word lists are not spoken
    with pytest.raises(OrientaError, match="empty"):
        check_recording("ff", "consent.ask", 0)
    with pytest.raises(OrientaError, match="over 5 MB"):
        check_recording("ff", "consent.ask", MAX_BYTES + 1)


def test_stale_names_recordings_of_an_older_text(orienta: Orienta) -> None:
    record(orienta, "emk", "consent.ask")
    record(orienta, "emk", "region.ask")
    with orienta.sessions.begin() as session:
        prompt = session.scalars(
            select(VoicePrompt).where(VoicePrompt.message_id == "region.ask")
        ).one()
        prompt.source_text_sha256 = "0" * 64
    with orienta.sessions() as session:
        assert stale(session, "emk") == {"region.ask"}
        assert stale(session, "ff") == set()


# -- WhatsApp from the outbox: a media-only message to the fake Twilio -------------------


def test_whatsapp_sender_sends_the_recording_alone(twilio_orienta: Orienta) -> None:
    record(twilio_orienta, "fr", "consent.ask")
    say(twilio_orienta, "bonjour")
    replies = say(twilio_orienta, "écouter")
    keys = [o.key for o in replies]
    # As if these replies were messages the outbox sends (reminders will be).
    with twilio_orienta.sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(keys))
            .values(status="queued")
        )
    twilio = FakeTwilio()

    async def dispatch(api: str) -> None:
        sender = TwilioSender(
            "whatsapp",
            account_sid=ACCOUNT_SID,
            auth_token=FAKE_TWILIO_TOKEN,
            sender="+224000000901",
            public_base_url=PUBLIC,
            api_base_url=api,
        )
        await Dispatcher(twilio_orienta.sessions, {"whatsapp": sender}).dispatch_once()
        await sender.aclose()

    with serve(twilio.app()) as api, serve(create_app(twilio_orienta)) as base_url:
        asyncio.run(dispatch(api))
        audio, text = sorted(twilio.accepted, key=lambda a: keys.index(a.key or ""))
        assert not audio.has_body and len(audio.media) == 1
        assert audio.media[0].startswith(f"{PUBLIC}/media/voice/")
        assert text.has_body and "Acceptez-vous ?" in text.body and text.media == []
        served = http.get(base_url + audio.media[0].removeprefix(PUBLIC), timeout=10)
        assert served.status_code == 200 and served.content == OGG


# -- Telegram: a recording deleted before the sending is skipped -------------------------


def test_telegram_skips_a_recording_deleted_before_sending(
    settings: Settings, clock: FakeClock
) -> None:
    orienta = open_orienta(settings, clock=clock)
    telegram = FakeTelegram()
    try:
        record(orienta, "fr", "consent.ask")

        def tell(text: str) -> list[Outbound]:
            inbound = Inbound(
                "telegram", str(CHAT), text, provider_id=f"t{next(_ids)}", language="fr"
            )
            return orienta.engine.handle(inbound)

        tell("bonjour")
        replies = tell("écouter")
        assert replies[0].media and not replies[0].text
        with orienta.sessions.begin() as session:
            session.query(VoicePrompt).delete()

        async def deliver(api: str) -> None:
            sender = TelegramSender(TOKEN, api, voice_files=voice_loader(orienta.sessions))
            dispatcher = Dispatcher(orienta.sessions, {"telegram": sender})
            await dispatcher.send_replies(replies)
            await sender.aclose()

        with serve(telegram.app()) as api:
            asyncio.run(deliver(api))
        with orienta.sessions() as session:
            rows = {
                row.idempotency_key: (row.status, row.last_error)
                for row in session.scalars(select(OutboxMessage))
            }
    finally:
        orienta.close()
    assert telegram.files == []
    assert [name for name, _ in telegram.calls if name.startswith("send")] == ["sendMessage"]
    assert rows[replies[0].key] == ("cancelled", "telegram: recording no longer available")
    assert rows[replies[1].key][0] == "sent"
