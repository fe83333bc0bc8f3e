"""Every transcript in tests/transcripts/, replayed through the engine on SQLite and
PostgreSQL, with the replies rendered as SMS, WhatsApp and Telegram show them.

Besides the expectations written in each transcript, the whole SMS conversation must
match its golden copy in tests/transcripts/golden/, so that any change of wording or
menu is seen in review. After an intended change: `pytest --update-transcripts`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.app import Orienta
from bot.channels.render import render_plain
from bot.messaging import Inbound
from bot.types import Channel
from tests.conftest import FakeClock
from tests.transcript import TRANSCRIPTS, facts, parse

ADDRESSES: dict[Channel, str] = {
    # Fictitious: +224 000… is not a number any Guinean operator assigns.
    "sms": "+224000000101",
    "whatsapp": "+224000000102",
    "telegram": "700000103",
}
FILES = sorted(TRANSCRIPTS.glob("*.txt"))
GOLDEN = TRANSCRIPTS / "golden"


def _render(replies: list[str]) -> str:
    return "\n\n".join(replies) if replies else "(no reply)"


@pytest.mark.parametrize("channel", list(ADDRESSES))
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript(
    path: Path,
    channel: Channel,
    orienta: Orienta,
    clock: FakeClock,
    request: pytest.FixtureRequest,
) -> None:
    address = ADDRESSES[channel]
    conversation: list[str] = []
    for turn in parse(path):
        clock.advance(turn.wait_before)
        outbounds = orienta.engine.handle(
            Inbound(
                channel=channel,
                address=address,
                text=turn.text,
                provider_id=turn.provider_id,
                media=turn.media,
            )
        )
        shown = _render([render_plain(o, channel) for o in outbounds])
        conversation.append(f"> {turn.text or ' '.join(turn.media)}\n{shown}\n")
        where = f"{path.name}:{turn.line} ({channel}) after {turn.text!r}, the bot said:\n{shown}"
        if turn.silent:
            assert not outbounds, where
        else:
            assert outbounds, f"{where}\n(the bot must always answer)"
        for expected in turn.contains:
            assert expected in shown, f"{where}\n--- expected to contain: {expected!r}"
        for unexpected in turn.absent:
            assert unexpected not in shown, f"{where}\n--- expected NOT to contain: {unexpected!r}"
        if turn.facts:
            with orienta.sessions() as session:
                stored = facts(session, orienta.settings, channel, address)
            for key, value in turn.facts:
                assert stored.get(key) == value, (
                    f"{path.name}:{turn.line} ({channel}): {key} is {stored.get(key)!r}, "
                    f"expected {value!r}; stored facts: {stored}"
                )

    if channel == "sms":
        _compare_with_golden(path, "\n".join(conversation), request)


def test_every_transcript_is_readable() -> None:
    assert len(FILES) >= 9
    for path in FILES:
        turns = parse(path)
        assert turns, f"{path.name} sends nothing"
        assert any(t.contains or t.facts or t.silent for t in turns), f"{path.name} checks nothing"


def _compare_with_golden(path: Path, conversation: str, request: pytest.FixtureRequest) -> None:
    golden = GOLDEN / f"{path.stem}.sms.txt"
    if request.config.getoption("--update-transcripts"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(conversation, encoding="utf-8")
        return
    assert golden.exists(), f"{golden} is missing: run pytest --update-transcripts"
    expected = golden.read_text(encoding="utf-8")
    if conversation != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), conversation.splitlines(), "golden", "now", lineterm=""
            )
        )
        pytest.fail(
            f"{path.name}: the SMS conversation changed (run pytest --update-transcripts "
            f"if intended):\n{diff}"
        )
