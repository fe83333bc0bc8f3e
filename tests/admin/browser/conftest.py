"""The admin in a real browser: Debian's chromium driven by Playwright (sync API), one
chromium per test process, a fresh context (cookies, storage) per test, and Orienta's
whole app under uvicorn on 127.0.0.1 (tests/admin/support.py's `served_admin`).

Browser tests run on SQLite only (`database_url` below): what they add is what a user
sees, and PostgreSQL is covered by the HTTP tests of tests/admin/.

Chromium is not downloaded (`playwright install` cannot reach the network here): it is
Debian's package, which .ci/run installs. Without it every browser test fails and says
so; none is skipped.

Playwright's sync API marks its event loop as the thread's running loop between calls,
for as long as it is started. A test after a browser test in the same process (pytest-
xdist mixes them) would then be refused `asyncio.run()` ("cannot be called from a
running event loop"), so the loop is marked running only during a browser test (the
`context` fixture) and parked between them (`_Chromium`).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    WebError,
    expect,
    sync_playwright,
)

from bot.app import Orienta
from tests.admin.support import PASSWORD, served_admin

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
]
CSP_WORDS = "content security policy"
"""In every message Chromium logs for a CSP violation: "Refused to apply inline style
because it violates the following Content Security Policy directive …" before
Chromium 140 or so, "Applying inline style violates the following Content Security
Policy directive …" after."""
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed: the admin's browser tests drive Debian's chromium. "
            ".ci/run installs it; on a developer's machine: sudo apt-get install chromium",
            pytrace=False,
        )
    return path


class _Chromium:
    """Playwright started and chromium launched, in this process's main thread."""

    def __init__(self) -> None:
        executable = chromium_path()
        self.playwright: Playwright = sync_playwright().start()
        self.loop = asyncio.get_running_loop()  # Playwright's, marked running
        try:
            self.browser: Browser = self.playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Exception:
            self.playwright.stop()
            raise
        self.park()

    def resume(self) -> None:
        """Before the Playwright calls of a browser test."""
        asyncio._set_running_loop(self.loop)

    def park(self) -> None:
        """After them: other tests of this process may run their own event loops."""
        asyncio._set_running_loop(None)

    def close(self) -> None:
        self.resume()
        try:
            self.browser.close()
        finally:
            self.playwright.stop()  # ends its loop: nothing is marked running after it


@pytest.fixture(scope="session")
def chromium() -> Iterator[_Chromium]:
    running = _Chromium()
    yield running
    running.close()


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for browser tests (tests/conftest.py's fixture also runs PostgreSQL)."""
    path = tmp_path / "orienta.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@dataclass
class Reported:
    """What the browser reported while a test ran: console messages and page errors."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def listen(self, context: BrowserContext) -> BrowserContext:
        context.on("console", self._console)
        context.on("weberror", self._error)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        where = message.page.url if message.page else "?"
        self.console.append(f"[{message.type}] {message.text} (on {where})")

    def _error(self, error: WebError) -> None:
        where = error.page.url if error.page else "?"
        self.errors.append(f"{error.error} (on {where})")

    def csp_violations(self) -> list[str]:
        return [line for line in self.console if CSP_WORDS in line.lower()]


def _new_context(chromium: _Chromium, reported: Reported, **options: Any) -> BrowserContext:
    options = {"locale": "fr-FR", "timezone_id": "Africa/Conakry", **options}
    context = chromium.browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return reported.listen(context)


@pytest.fixture
def reported() -> Reported:
    return Reported()


@pytest.fixture
def context(chromium: _Chromium, reported: Reported) -> Iterator[BrowserContext]:
    """A fresh browser profile for one test, in French, reporting to `reported`."""
    chromium.resume()
    try:
        context = _new_context(chromium, reported)
        try:
            yield context
        finally:
            context.close()
    finally:
        chromium.park()


@dataclass
class Site:
    """Orienta served on 127.0.0.1 and a browser tab on it (`page`); `new_page` opens
    another browser profile (no JavaScript, a phone's screen), closed after the test."""

    url: str
    orienta: Orienta
    page: Page
    reported: Reported
    chromium: _Chromium
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(self, **context_options: Any) -> Page:
        context = _new_context(self.chromium, self.reported, **context_options)
        self.contexts.append(context)
        return context.new_page()

    def open(self, path: str, page: Page | None = None) -> Response:
        """Go to `path` (under the site, e.g. /admin/login) and return the answer."""
        response = (page or self.page).goto(self.url + path)
        assert response is not None, path
        return response

    def sign_in(self, email: str, password: str = PASSWORD, page: Page | None = None) -> None:
        """Through the sign-in form, as a person would; lands on the page after it."""
        tab = page or self.page
        if "/admin/login" not in tab.url:
            self.open("/admin/login", tab)
        tab.get_by_label("Adresse e-mail").fill(email)
        tab.get_by_label("Mot de passe", exact=True).fill(password)
        tab.get_by_role("button", name="Se connecter").click()

    def sign_out(self, page: Page | None = None) -> None:
        tab = page or self.page
        tab.get_by_role("button", name="Se déconnecter").click()
        expect(tab).to_have_url(self.url + "/admin/login?notice=signed_out")

    def path(self, page: Page | None = None) -> str:
        """The current URL without the site (e.g. /admin/?notice=saved)."""
        return (page or self.page).url.removeprefix(self.url)


@pytest.fixture
def site(
    orienta: Orienta, chromium: _Chromium, context: BrowserContext, reported: Reported
) -> Iterator[Site]:
    with served_admin(orienta) as url:
        site = Site(url, orienta, context.new_page(), reported, chromium)
        try:
            yield site
        finally:
            for extra in site.contexts:
                extra.close()
