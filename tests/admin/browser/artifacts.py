"""Where the browser tests leave what a person should look at: screenshots, under
ORIENTA_TEST_ARTIFACTS when it is set, otherwise test-artifacts/ at the repository's
root (ignored by git). Each path saved is printed (`pytest -rP` shows it)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

__all__ = ["artifacts_dir", "screenshot"]

ROOT = Path(__file__).resolve().parents[3]


def artifacts_dir() -> Path:
    path = Path(os.environ.get("ORIENTA_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """The whole page (or only what the screen shows) as `name`.png; returns its path."""
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    print(f"screenshot: {path}")
    return path
