"""The text kept while a request for help is open (bot/engine/kept.py): what the person
and the bot wrote from the call for help on, and staff's replies, sealed in the database,
read back in order; nothing for anyone else; deleted after the retention, or with the
person. Both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select, text

from bot.app import Orienta
from bot.engine import erasure, kept
from bot.engine import help as episodes
from bot.errors import ConfigError
from bot.messaging import Inbound
from bot.settings import Settings
from bot.storage.models import Contact, HelpEpisode, HelpMessage
from tests.conftest import FakeClock

PHONE = "+224000000311"  # fictitious
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa
CALL = "on me frappe, j'ai peur"


def send(orienta: Orienta, body: str, address: str = PHONE) -> list[str]:
    replies = orienta.engine.handle(Inbound(channel="sms", address=address, text=body))
    return [r.text for r in replies]


def episode_id(orienta: Orienta) -> int:
    with orienta.sessions() as session:
        found = session.scalars(select(HelpEpisode.id).order_by(HelpEpisode.id.desc())).first()
        assert found is not None
        return found


def kept_messages(orienta: Orienta) -> list[kept.KeptMessage]:
    with orienta.sessions() as session:
        return kept.conversation(session, orienta.settings, episode_id(orienta))


def count(orienta: Orienta, model: type[HelpMessage] | type[HelpEpisode]) -> int:
    with orienta.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def raw_sealed(orienta: Orienta) -> list[bytes]:
    with orienta.sessions() as session:
        return [
            bytes(v) for v in session.execute(text("SELECT sealed FROM help_messages")).scalars()
        ]


def calls_for_help(orienta: Orienta, address: str = PHONE) -> None:
    for body in TO_GENDER:
        send(orienta, body, address)
    assert "Votre sécurité" in "\n".join(send(orienta, CALL, address))


def close(orienta: Orienta, clock: FakeClock) -> None:
    with orienta.sessions.begin() as session:
        episodes.close(session, episode_id(orienta), "staff-a", "reached", clock())


def test_from_the_call_for_help_on_both_sides_are_kept_sealed_and_read_in_order(
    orienta: Orienta, clock: FakeClock
) -> None:
    calls_for_help(orienta)
    clock.advance(timedelta(minutes=2))
    send(orienta, "1")  # be contacted
    messages = kept_messages(orienta)
    authors = [m.author for m in messages]
    assert authors[0] == "person" and messages[0].text == CALL
    assert authors[1] == "bot" and "Votre sécurité" in messages[1].text
    assert "person" in authors[2:] and messages[authors.index("person", 1)].text == "1"
    assert authors[-1] == "bot"
    assert [m.at for m in messages] == sorted(m.at for m in messages)
    assert {m.staff_id for m in messages} == {None}
    # Before the call for help nothing was kept: not "bonjour", not the consent.
    assert not any("bonjour" in m.text or "Boffa" in m.text for m in messages)
    # The database holds no word of it.
    sealed = raw_sealed(orienta)
    assert len(sealed) == len(messages)
    assert not any(b"frappe" in s or b"peur" in s or "sécurité".encode() in s for s in sealed)


def test_the_reply_is_kept_as_the_person_read_it_with_its_choices(
    orienta: Orienta, clock: FakeClock
) -> None:
    calls_for_help(orienta)
    bot_said = [m.text for m in kept_messages(orienta) if m.author == "bot"]
    assert any("\n1 " in t for t in bot_said)  # the SMS menu's lines: "1 Être contacté…"


def test_nothing_is_kept_for_a_person_with_no_request_for_help(
    orienta: Orienta, clock: FakeClock
) -> None:
    for body in [*TO_GENDER, "1", "xyz", "AIDE", "MENU"]:
        send(orienta, body)
    assert count(orienta, HelpMessage) == 0
    calls_for_help(orienta, "+224000000312")  # someone else asks for help: theirs is kept
    send(orienta, "1")
    with orienta.sessions() as session:
        episodes_of_messages = set(session.scalars(select(HelpMessage.episode_id)))
    assert episodes_of_messages == {episode_id(orienta)}
    assert count(orienta, HelpEpisode) == 1


def test_nothing_is_kept_after_the_episode_is_closed(orienta: Orienta, clock: FakeClock) -> None:
    calls_for_help(orienta)
    before = len(kept_messages(orienta))
    close(orienta, clock)
    send(orienta, "bonjour")
    send(orienta, "1")
    assert len(kept_messages(orienta)) == before


def test_while_taken_what_the_person_writes_and_staff_replies_are_kept(
    orienta: Orienta, clock: FakeClock
) -> None:
    calls_for_help(orienta)
    with orienta.sessions.begin() as session:
        assert episodes.take(session, episode_id(orienta), "staff-a", clock())
    clock.advance(timedelta(minutes=1))
    assert send(orienta, "il est parti, je peux parler") == []  # staff read it: bot silent
    clock.advance(timedelta(minutes=1))
    words = "Bonjour, je suis Aïssatou de l'équipe. Êtes-vous en sécurité ?"
    with orienta.sessions.begin() as session:
        assert episodes.reply(
            orienta.engine, session, episode_id(orienta), "staff-a", words, clock()
        )
    *_, person, staff = kept_messages(orienta)
    assert (person.author, person.text, person.staff_id) == (
        "person",
        "il est parti, je peux parler",
        None,
    )
    assert (staff.author, staff.text, staff.staff_id) == ("staff", words, "staff-a")
    assert not any("Aïssatou".encode() in s for s in raw_sealed(orienta))


def test_a_staff_reply_that_cannot_be_sent_is_not_kept(orienta: Orienta, clock: FakeClock) -> None:
    calls_for_help(orienta)
    send(orienta, "1")  # be contacted
    send(orienta, "4")  # the number is not safe
    with orienta.sessions.begin() as session:
        assert episodes.take(session, episode_id(orienta), "staff-a", clock())
    before = kept_messages(orienta)
    with orienta.sessions.begin() as session:
        assert (
            episodes.reply(orienta.engine, session, episode_id(orienta), "staff-a", "x", clock())
            == 0
        )
    assert kept_messages(orienta) == before


def test_purged_once_closed_for_the_retention_and_not_before(
    orienta: Orienta, clock: FakeClock
) -> None:
    calls_for_help(orienta)
    kept_rows = count(orienta, HelpMessage)
    assert kept_rows >= 2
    clock.advance(timedelta(days=40))
    with orienta.sessions.begin() as session:  # open, however long: kept
        assert kept.purge(session, orienta.settings, clock()) == 0
    close(orienta, clock)
    clock.advance(timedelta(days=30) - timedelta(minutes=1))
    with orienta.sessions.begin() as session:
        assert kept.purge(session, orienta.settings, clock()) == 0
    assert count(orienta, HelpMessage) == kept_rows
    clock.advance(timedelta(minutes=2))
    with orienta.sessions.begin() as session:
        assert kept.purge(session, orienta.settings, clock()) == kept_rows
    assert count(orienta, HelpMessage) == 0
    assert kept_messages(orienta) == []
    assert count(orienta, HelpEpisode) == 1  # the episode itself stays, without its words


def test_effacer_removes_the_kept_text(orienta: Orienta, clock: FakeClock) -> None:
    calls_for_help(orienta)
    assert "Voulez-vous vraiment effacer" in "\n".join(send(orienta, "EFFACER"))
    assert count(orienta, HelpMessage) > 0
    assert "ont été effacées" in "\n".join(send(orienta, "1"))
    assert count(orienta, HelpEpisode) == 0
    assert count(orienta, HelpMessage) == 0


def test_seal_uses_the_configured_key_or_one_derived_from_the_secret(
    settings: Settings,
) -> None:
    derived = kept.seal(settings, "bonjour")
    assert kept.unseal(settings, derived) == "bonjour"
    own = replace(settings, kept_text_key=Fernet.generate_key().decode())
    assert kept.unseal(own, kept.seal(own, "bonjour")) == "bonjour"
    with pytest.raises(InvalidToken):
        kept.unseal(own, derived)
    with pytest.raises(InvalidToken):
        kept.unseal(replace(settings, secret_key="another"), derived)
    with pytest.raises(ConfigError, match="ORIENTA_KEPT_TEXT_KEY"):
        kept.seal(replace(settings, kept_text_key="not-a-key"), "bonjour")


def test_erasure_from_the_admin_removes_the_kept_text(orienta: Orienta, clock: FakeClock) -> None:
    calls_for_help(orienta)
    with orienta.sessions.begin() as session:
        [person] = session.scalars(select(Contact.id))
        erasure.erase_contact(session, person, orienta.settings, orienta.engine.writer, clock())
    assert count(orienta, HelpEpisode) == 0
    assert count(orienta, HelpMessage) == 0
