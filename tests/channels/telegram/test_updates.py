"""Updates in (bot/channels/telegram/updates.py): messages, buttons, media and a shared
phone read into our Inbound; everything else ignored; the secret token checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.telegram.updates import parse_update, verify_secret
from tests.channels.telegram.support import (
    CHAT,
    SECRET,
    button_update,
    message_update,
)


def test_parse_update_reads_messages_buttons_and_media() -> None:
    text = parse_update(message_update("Bonjour"))
    assert text is not None and text.inbound.text == "Bonjour"
    assert text.inbound.address == str(CHAT) and text.inbound.channel == "telegram"
    sticker = parse_update(message_update("", sticker=STICKER))
    assert sticker is not None and sticker.inbound.media == ("image/webp",)
    button = parse_update(button_update("3"))
    assert button is not None and button.inbound.text == "3"
    assert button.callback_query_id == "cbq-1"
    assert parse_update({"update_id": 1, "channel_post": {}}) is None
    assert parse_update({"nonsense": True}) is None


# -- parse_update, verify_secret: the update in -----------------------------------------

USER = {"id": CHAT, "is_bot": False, "first_name": "Test"}
STICKER = {
    "file_id": "s",
    "file_unique_id": "su",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}
PHOTO = [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]
VOICE = {"file_id": "v", "file_unique_id": "vu", "duration": 3, "mime_type": "audio/ogg"}
ANIMATION = {
    "file_id": "a",
    "file_unique_id": "au",
    "width": 1,
    "height": 1,
    "duration": 1,
    "mime_type": "video/mp4",
}
PDF = {"file_id": "d", "file_unique_id": "du", "mime_type": "application/pdf"}


def test_a_text_message_becomes_an_inbound_that_hides_what_it_says() -> None:
    parsed = parse_update(message_update("Bonjour", update_id=42))
    assert parsed is not None
    inbound = parsed.inbound
    assert (inbound.channel, inbound.address, inbound.text) == ("telegram", str(CHAT), "Bonjour")
    assert (inbound.provider_id, inbound.media) == ("tg-42", ())
    assert inbound.received_at == datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.callback_query_id is None and inbound.shared_phone is None
    assert str(CHAT) not in repr(parsed) and "Bonjour" not in repr(parsed)


def test_a_button_press_sends_the_choice_number_and_must_be_answered() -> None:
    parsed = parse_update(button_update("3"))
    assert parsed is not None
    assert (parsed.inbound.address, parsed.inbound.text) == (str(CHAT), "3")
    assert parsed.inbound.provider_id is not None and parsed.inbound.provider_id.startswith("tg-")
    assert parsed.callback_query_id == "cbq-1"
    # A button under a message the bot can no longer see: the presser is the chat.
    update = button_update("2")
    del update["callback_query"]["message"]  # type: ignore[attr-defined]
    parsed = parse_update(update)
    assert parsed is not None and parsed.inbound.address == str(CHAT)


@pytest.mark.parametrize(
    ("attachment", "caption", "media"),
    [
        ({"sticker": STICKER}, "", ("image/webp",)),
        ({"sticker": {**STICKER, "is_animated": True}}, "", ("application/x-tgsticker",)),
        ({"photo": PHOTO, "caption": "Mon diplôme"}, "Mon diplôme", ("image/jpeg",)),
        ({"voice": VOICE}, "", ("audio/ogg",)),
        ({"document": PDF}, "", ("application/pdf",)),
        ({"animation": ANIMATION, "document": ANIMATION}, "", ("video/mp4",)),
    ],
    ids=["sticker", "animated-sticker", "photo", "voice", "document", "gif"],
)
def test_attachments_are_content_types(
    attachment: dict[str, object], caption: str, media: tuple[str, ...]
) -> None:
    update = message_update("")
    message = update["message"]
    assert isinstance(message, dict)
    message.update(attachment)
    parsed = parse_update(update)
    assert parsed is not None
    assert (parsed.inbound.text, parsed.inbound.media) == (caption, media)


def contact_update(user_id: int | None) -> dict[str, object]:
    contact: dict[str, object] = {"phone_number": "224000000401", "first_name": "Test"}
    if user_id is not None:
        contact["user_id"] = user_id
    return message_update("", contact=contact)


def test_ones_own_phone_number_can_link_identities() -> None:
    parsed = parse_update(contact_update(CHAT))
    assert parsed is not None and parsed.inbound.shared_phone == "+224000000401"
    assert "224000000401" not in repr(parsed)


@pytest.mark.parametrize("user_id", [CHAT + 1, None], ids=["someone-else", "not-a-user"])
def test_someone_elses_phone_number_is_refused(user_id: int | None) -> None:
    parsed = parse_update(contact_update(user_id))
    assert parsed is not None and parsed.inbound.shared_phone is None


def _chat_message(chat_type: str) -> dict[str, object]:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -100, "type": chat_type},
        "from": USER,
        "text": "1",
    }


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": _chat_message("private")},
        {"update_id": 2, "channel_post": _chat_message("channel")},
        {"update_id": 3, "message": _chat_message("group")},
        {
            "update_id": 4,
            "my_chat_member": {
                "chat": {"id": CHAT, "type": "private"},
                "from": USER,
                "date": 0,
                "old_chat_member": {"status": "member", "user": USER},
                "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0},
            },
        },
        {"update_id": 5},
        {"message": {"text": "no update id"}},
        {"update_id": 6, "message": {"chat": "not a chat"}},
    ],
    ids=["edited", "channel-post", "group", "my-chat-member", "empty", "no-id", "malformed"],
)
def test_updates_we_do_not_handle_give_nothing(update: dict[str, object]) -> None:
    assert parse_update(update) is None


@pytest.mark.parametrize(
    ("header", "expected", "ok"),
    [
        (SECRET, SECRET, True),
        ("wrong-secret", SECRET, False),
        (SECRET[:-1], SECRET, False),
        (None, SECRET, False),
        ("", SECRET, False),
        ("", "", False),  # no secret configured: nothing is trusted
    ],
)
def test_verify_secret(header: str | None, expected: str, ok: bool) -> None:
    assert verify_secret(header, expected) is ok
