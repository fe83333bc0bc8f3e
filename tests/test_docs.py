"""The documentation says what the code does: every setting the code reads is in the
README's settings table and in .env.example, and nothing else is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


class Recording(dict[str, str]):
    """An environment that notes every name looked up in it."""

    def __init__(self, *args: Any, **kwargs: str) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def read_by_the_code(tmp_path: Path) -> set[str]:
    environ = Recording(ORIENTA_VAR_DIR=str(tmp_path / "var"))
    load_settings(environ=environ, env_file=None)
    return environ.asked


def in_the_readme() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def in_the_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_every_setting_the_code_reads_is_documented_and_nothing_else(tmp_path: Path) -> None:
    code = read_by_the_code(tmp_path)
    assert len(code) > 30  # the recording sees the lookups
    assert in_the_readme() == code
    assert in_the_example() == code
