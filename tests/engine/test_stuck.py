"""The `stuck` flag (bot/engine/events.py): a person who consented and was re-asked the
same question three times in a row is flagged once for staff (the inbox lists it).
Both databases."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Orienta
from bot.messaging import Inbound
from bot.storage.models import Flag

PHONE = "+224000000321"  # fictitious
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # language, consent, Boké, Boffa


def send(orienta: Orienta, body: str) -> None:
    orienta.engine.handle(Inbound(channel="sms", address=PHONE, text=body))


def stuck_flags(orienta: Orienta) -> list[Flag]:
    with orienta.sessions() as session:
        return list(session.scalars(select(Flag).where(Flag.kind == "stuck")))


def test_three_re_asks_in_a_row_raise_one_stuck_flag(orienta: Orienta) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    send(orienta, "xyz")
    send(orienta, "abc")
    assert stuck_flags(orienta) == []
    send(orienta, "qwerty")  # the third re-ask of the same question
    [flag] = stuck_flags(orienta)
    assert flag.resolved_at is None
    for body in ("zzz", "1", "xyz", "abc", "qwerty"):  # still stuck, then again at age
        send(orienta, body)
    assert len(stuck_flags(orienta)) == 1  # not a second while one is open


def test_no_stuck_flag_for_mistakes_that_are_not_in_a_row(orienta: Orienta) -> None:
    for body in TO_GENDER:
        send(orienta, body)
    for body in ("xyz", "abc", "1", "xyz", "abc"):  # gender, then age
        send(orienta, body)
    assert stuck_flags(orienta) == []


def test_no_stuck_flag_before_consent(orienta: Orienta) -> None:
    for body in ("bonjour", "1", "xyz", "abc", "qwerty"):  # at the consent question
        send(orienta, body)
    assert stuck_flags(orienta) == []
