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
from bot.channels.layout import render_plain
from bot.messaging import Inbound
from bot.types import Channel
from tests.conftest import FakeClock
from tests.transcript import TRANSCRIPTS, Turn, parse, replay

ADDRESSES: dict[Channel, str] = {
    # Fictitious: +224 000… is not a number any Guinean operator assigns.
    "sms": "+224000000101",
    "whatsapp": "+224000000102",
    "telegram": "700000103",
}
FILES = sorted(TRANSCRIPTS.glob("*.txt"))
GOLDEN = TRANSCRIPTS / "golden"


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

    def send(turn: Turn) -> list[str]:
        inbound = Inbound(
            channel=channel,
            address=address,
            text=turn.text,
            provider_id=turn.provider_id,
            media=turn.media,
        )
        return [render_plain(o, channel) for o in orienta.engine.handle(inbound)]

    conversation = replay(path, send, orienta, clock, channel, address)

    if channel == "sms":
        _compare_with_golden(path, conversation, request)


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
