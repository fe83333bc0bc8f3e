"""What a turn costs the database: a mid-orientation turn (an answer to a question,
the next question back) reads the person, their conversation and their answers in one
statement and writes in four at most, on SQLite and PostgreSQL alike. The count is a
behaviour: every statement more is a round trip more for every message of every person.

Counted as the database sees them: savepoints (one per turn in a group commit,
bot/storage/groups.py) and the batch's BEGIN and COMMIT are not the turn's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from bot.app import Orienta
from bot.commands.sms_cost import orientation_path
from bot.messaging import Inbound

MAX_STATEMENTS = 5
NOT_THE_TURNS = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@pytest.fixture
def statements(orienta: Orienta) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_c: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(NOT_THE_TURNS):
            seen.append(statement)

    event.listen(orienta.database, "before_cursor_execute", count)
    yield seen
    event.remove(orienta.database, "before_cursor_execute", count)


def test_a_mid_orientation_turn_takes_five_statements_at_most(
    orienta: Orienta, statements: list[str]
) -> None:
    path = orientation_path("fr")
    per_turn: list[tuple[str, int]] = []
    for person in range(2):  # the second person's first turn meets a warm database
        for turn, text in enumerate(path):
            statements.clear()
            inbound = Inbound(
                "sms", f"+224000{person:06d}", text, provider_id=f"SMst{person}-{turn}"
            )
            assert orienta.engine.handle(inbound), f"no reply to turn {turn}"
            per_turn.append((text, len(statements)))
    middle = per_turn[len(path) + 1 : 2 * len(path) - 1]  # not "bonjour", not the summary
    assert max(n for _, n in middle) <= MAX_STATEMENTS, middle
    # Reading answers does not grow with them: the last question costs what the first did.
    assert middle[-1][1] <= middle[0][1]
