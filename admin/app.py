"""The admin's ASGI app, mounted at /admin by the composition root (bot/web.py): every
page declared with `admin.routing.page`, the stylesheet, and the security headers.

    create_admin(orienta)  ->  Starlette app; bot/web.py mounts it at /admin
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

import admin.pages  # noqa: F401  (declares the pages)
from admin.headers import SecurityHeaders
from admin.passwords import PasswordChecks
from admin.routing import PAGES, Page, run_page
from admin.sessions import Lifetimes
from admin.state import AdminState
from admin.throttle import Throttle
from bot.app import Orienta

__all__ = ["STATIC_DIR", "create_admin"]

STATIC_DIR = Path(__file__).parent / "static"


class _Static(StaticFiles):
    """The stylesheet and icons: their URLs carry no version, so cached for a day only."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def _endpoint(state: AdminState, page: Page):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        return await run_page(state, page, request)

    endpoint.__name__ = page.handler.__name__
    return endpoint


def create_admin(
    orienta: Orienta,
    *,
    hasher: PasswordHasher | None = None,
    throttle: Throttle | None = None,
) -> Starlette:
    """The admin on `orienta`; `hasher` (argon2 parameters) and `throttle` for tests."""
    settings = orienta.settings
    state = AdminState(
        orienta,
        PasswordChecks(hasher),
        throttle or Throttle(),
        Lifetimes(
            idle=timedelta(minutes=settings.admin_idle_minutes),
            absolute=timedelta(hours=settings.admin_session_hours),
        ),
    )
    routes: list[BaseRoute] = [
        Route(page.path, _endpoint(state, page), methods=list(page.methods)) for page in PAGES
    ]
    routes.append(Mount("/static", _Static(directory=STATIC_DIR), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, https=state.https),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
    )
    app.state.admin = state
    return app
