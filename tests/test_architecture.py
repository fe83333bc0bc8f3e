"""The map stays true: one writer of outbox rows, dependencies pointing one way, small
modules that say what they own (docs/architecture.md). Read from the source, so that a
change that breaks a rule fails here rather than in review."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MAX_LINES = 400


@cache
def modules() -> dict[str, ast.Module]:
    """Every module of bot/ (but the migrations) and of admin/, by dotted name."""
    found = {}
    for path in sorted([*BOT.rglob("*.py"), *(ROOT / "admin").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def imports(tree: ast.Module) -> set[str]:
    """The modules `tree` imports, anywhere in it (functions and TYPE_CHECKING too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_outbox_rows_are_written_in_one_place() -> None:
    writers = set()
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            # A row made by the ORM, or inserted by Core: insert(table), table.insert().
            inserts = func in ("insert", "sqlite.insert", "postgresql.insert")
            inserts |= func.endswith("__table__.insert")
            if func.endswith("OutboxMessage") or (inserts and "OutboxMessage" in ast.unparse(tree)):
                writers.add(name)
    assert writers == {"bot.outbox.writer"}


# Who may not import what (the arrows of docs/architecture.md, the other way round).
FORBIDDEN: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    # Flows are data and pure functions: no channel, no database, no engine.
    (
        ("bot.flows",),
        (
            "bot.channels",
            "bot.storage",
            "bot.engine",
            "bot.outbox",
            "bot.booking",
            "bot.scheduling",
        ),
    ),
    # Providers reach Orienta through the gateway port only.
    (
        ("bot.channels",),
        ("bot.engine", "bot.outbox", "bot.storage", "bot.booking", "bot.scheduling", "bot.voice"),
    ),
    # The engine knows no provider.
    (("bot.engine",), ("bot.channels.twilio", "bot.channels.telegram", "bot.channels.email")),
    # The outbox is below the engine.
    (("bot.outbox",), ("bot.engine", "bot.booking", "bot.flows")),
    # Storage and languages are at the bottom.
    (
        ("bot.storage",),
        ("bot.engine", "bot.outbox", "bot.channels", "bot.flows", "bot.booking", "bot.i18n"),
    ),
    (("bot.i18n",), ("bot.engine", "bot.outbox", "bot.channels", "bot.flows", "bot.storage")),
]
COMPOSITION_ROOTS = {"bot.web", "bot.cli"}


@pytest.mark.parametrize(("packages", "forbidden"), FORBIDDEN, ids=lambda v: ",".join(v))
def test_dependencies_point_one_way(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    broken = sorted(
        f"{name} imports {target}"
        for name, tree in modules().items()
        if within(name, *packages)
        for target in imports(tree)
        if within(target, *forbidden)
    )
    assert broken == []


def test_only_the_composition_roots_import_the_admin_and_the_roots() -> None:
    broken = sorted(
        f"{name} imports {target}"
        for name, tree in modules().items()
        if name not in COMPOSITION_ROOTS and not within(name, "bot.commands", "admin")
        for target in imports(tree)
        if within(target, "admin", *COMPOSITION_ROOTS)
    )
    assert broken == []


def test_the_admin_reaches_people_only_through_the_outbox() -> None:
    """Staff pages change data and write messages through the outbox's one writer; they
    never call a provider, nor the composition roots that mount them."""
    broken = sorted(
        f"{name} imports {target}"
        for name, tree in modules().items()
        if within(name, "admin")
        for target in imports(tree)
        if within(target, "bot.channels.twilio", "bot.channels.telegram", *COMPOSITION_ROOTS)
    )
    assert broken == []


def test_modules_are_small_and_say_what_they_own() -> None:
    long = {}
    silent = []
    for name, tree in modules().items():
        path = ROOT / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[name] = lines
        if ast.get_docstring(tree) is None:
            silent.append(name)
    assert long == {}, f"over {MAX_LINES} lines"
    assert silent == [], "a module opens with a docstring saying what it owns"
