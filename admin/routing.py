"""How an admin page is declared and run: the one place that signs requests in, checks
the role, checks the CSRF token, opens the transaction and renders errors.

    @page("/partners/new", Permission.MANAGE_PARTNERS, methods=("GET", "POST"))
    def new_partner(ctx: PageContext) -> Response: ...

A plain function runs in the database thread, inside one transaction (`ctx.session`),
with the audit row it writes (`ctx.audit`): both are committed, or neither. An `async`
one (sign-in, password changes: argon2 must not hold the database thread) reaches the
database through `await ctx.db(fn)`, each call its own transaction.

Every request passes, in order: sign-in (none: a redirect to /admin/login), the role
(`admin/access.py`: 403), and for a POST the CSRF token (403), before the page runs.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from wtforms import Form

from admin import audit
from admin.access import ANY_PARTNER, Permission, may, role_label
from admin.clients import over_https
from admin.forms import CsrfOnly, csrf_meta
from admin.i18n import choose_language, current_language, format_when, gettext_, set_language
from admin.notices import notice_text
from admin.queue import Counts
from admin.queue import counts as inbox_counts
from admin.sessions import COOKIE, find_session
from admin.templating import ADMIN_ROOT, render
from bot.storage.models import StaffSession, StaffUser

if TYPE_CHECKING:
    from admin.state import AdminState

__all__ = ["PAGES", "Account", "Forbidden", "NotFound", "Page", "PageContext", "page"]

log = logging.getLogger(__name__)
T = TypeVar("T")
PRE_SESSION_COOKIE = "orienta_admin_pre"
"""Before sign-in: the random seed of the sign-in and set-up forms' CSRF tokens."""


class Forbidden(Exception):
    """The account may not do this (403)."""


class NotFound(Exception):
    """No such thing, or not one this account may know exists (404)."""


@dataclass(frozen=True)
class Page:
    path: str
    """Under /admin."""
    permission: Permission | None
    """None: a page for signed-out visitors (sign-in, set-up)."""
    methods: tuple[str, ...]
    handler: Callable[..., Any]
    polled: bool = False
    """A route a page's script polls (the inbox counts, JSON), not a page: it does not
    keep the session alive (an unattended tab still goes idle), and the tests that open
    every page leave it out."""

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)


PAGES: list[Page] = []
"""Every admin page, as declared with `page` (the tests enumerate them)."""


def page(
    path: str,
    permission: Permission | None,
    *,
    methods: tuple[str, ...] = ("GET",),
    polled: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        PAGES.append(Page(path, permission, methods, handler, polled))
        return handler

    return register


@dataclass(frozen=True)
class Account:
    """The signed-in account, as read at the start of the request (a plain value: it
    outlives the transaction)."""

    id: int
    public_id: str
    email: str
    role: str
    partner_id: int | None

    @classmethod
    def of(cls, user: StaffUser) -> Account:
        return cls(user.id, user.public_id, user.email, user.role, user.partner_id)


@dataclass
class PageContext:
    """What a page is given: the request, its form, the account, the time, and ways to
    answer. `session` is open only for plain (not async) pages."""

    request: Request
    state: AdminState
    now: datetime
    form_data: FormData | None
    user: Account | None
    csrf_seed: str
    session: Session | None = None
    set_cookies: list[tuple[str, str, int | None]] = field(default_factory=list)

    # --- who may do what
    @property
    def actor(self) -> str:
        return self.user.public_id if self.user is not None else "anonymous"

    def may(self, permission: Permission, partner: Any = ANY_PARTNER) -> bool:
        if self.user is None:
            return False
        return may(self.user.role, permission, own_partner=self.user.partner_id, partner=partner)

    def require(self, permission: Permission, partner: Any = ANY_PARTNER) -> None:
        if not self.may(permission, partner):
            raise Forbidden

    # --- the database
    @property
    def db_session(self) -> Session:
        if self.session is None:
            raise RuntimeError("an async page reaches the database through ctx.db(fn)")
        return self.session

    async def db(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` in the database thread, in a transaction of its own."""

        def work() -> T:
            with self.state.orienta.sessions() as session, session.begin():
                return fn(session)

        return await self.state.orienta.db.run(contextvars.copy_context().run, work)

    def audit(
        self,
        action: str,
        *,
        target_type: str | None = None,
        target: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        session: Session | None = None,
        actor: str | None = None,
    ) -> None:
        """One audit row, in `session` (a plain page: its own), by this account unless
        `actor` says who (the set-up link, or one signing in)."""
        audit.record(
            session or self.db_session,
            actor=actor or self.actor,
            action=action,
            now=self.now,
            target_type=target_type,
            target=target,
            before=before,
            after=after,
        )

    # --- forms
    def form(self, form_class: type[Form], obj: Any = None, **values: Any) -> Any:
        """`form_class` bound to the posted data (on a POST), CSRF-seeded for this browser."""
        meta = csrf_meta(self.state.settings.secret_key, self.csrf_seed)
        return form_class(self.form_data, obj=obj, meta=meta, **values)

    def csrf_token(self) -> str:
        token: str = self.form(CsrfOnly).csrf_token.current_token
        return token

    # --- answers
    def when(self, moment: datetime | None, *, with_time: bool = True) -> str:
        return format_when(moment, self.state.settings.tz, with_time=with_time)

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        context = {
            "user": self.user,
            "role_label": role_label(self.user.role) if self.user else "",
            "can": lambda name: self.may(Permission(name)),
            "csrf": self.csrf_token(),
            "lang": current_language(),
            "when": self.when,
            "notice": notice_text(self.request.query_params.get("notice", "")),
            "path": self.request.url.path,
            "inbox": self.inbox_counts(),
            **values,
        }
        return HTMLResponse(render(template, context), status_code=status)

    def inbox_counts(self) -> Counts | None:
        """The header's counts of what waits in the inbox, for those who may see it (an
        async page has no transaction: its header has the link without them)."""
        if self.session is None or not self.may(Permission.READ_INBOX):
            return None
        return inbox_counts(self.session)

    def redirect(self, path: str, *, notice: str | None = None, **query: str) -> Response:
        """303 to `path` under /admin, with a notice shown on arrival."""
        params = {**query, **({"notice": notice} if notice else {})}
        url = ADMIN_ROOT + path + (("?" + urlencode(params)) if params else "")
        return RedirectResponse(url, status_code=303)


def _error(ctx: PageContext, status: int, message: str) -> Response:
    return ctx.render("error.html", status=status, message=message, status_code=status)


def _forbidden(ctx: PageContext) -> Response:
    return _error(ctx, 403, gettext_("Votre rôle ne donne pas accès à cette page."))


def _not_found(ctx: PageContext) -> Response:
    return _error(ctx, 404, gettext_("Cette page n'existe pas ou plus."))


async def run_page(state: AdminState, page: Page, request: Request) -> Response:
    set_language(choose_language(request.headers.get("accept-language", "")))
    form_data = None
    if request.method == "POST":
        form_data = await request.form(max_files=0, max_fields=500)
    cookie = request.cookies.get(COOKIE)
    pre_seed = request.cookies.get(PRE_SESSION_COOKIE, "")
    new_pre_seed = "" if 20 <= len(pre_seed) <= 64 else secrets.token_hex(16)

    def begin(session: Session) -> tuple[PageContext, Response | None]:
        now = state.clock()
        found = find_session(session, cookie, now, state.lifetimes, touch=not page.polled)
        staff_session: StaffSession | None = found[0] if found else None
        user = Account.of(found[1]) if found else None
        seed = staff_session.csrf_key if staff_session else (new_pre_seed or pre_seed)
        ctx = PageContext(request, state, now, form_data, user, seed, session=session)
        if page.permission is not None and user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return ctx, RedirectResponse(
                f"{ADMIN_ROOT}/login?next={quote(target)}", status_code=303
            )
        if page.permission is not None and not ctx.may(page.permission):
            return ctx, _forbidden(ctx)
        if form_data is not None and not ctx.form(CsrfOnly).validate():
            return ctx, _error(
                ctx,
                403,
                gettext_(
                    "Ce formulaire a expiré ou ne vient pas d'Orienta. Rechargez la page et "
                    "recommencez."
                ),
            )
        return ctx, None

    def sync_page() -> Response:
        with state.orienta.sessions() as session:
            try:
                with session.begin():
                    ctx, refused = begin(session)
                    if refused is not None:
                        return refused
                    return page.handler(ctx)  # type: ignore[no-any-return]
            except Forbidden:
                return _forbidden(ctx)
            except NotFound:
                return _not_found(ctx)

    async def async_page() -> Response:
        def start() -> tuple[PageContext, Response | None]:
            with state.orienta.sessions() as session, session.begin():
                ctx, refused = begin(session)
                ctx.session = None
                return ctx, refused

        started: tuple[PageContext, Response | None] = await state.orienta.db.run(
            contextvars.copy_context().run, start
        )
        ctx, refused = started
        if refused is not None:
            return refused
        try:
            return await page.handler(ctx)  # type: ignore[no-any-return]
        except Forbidden:
            return _forbidden(ctx)
        except NotFound:
            return _not_found(ctx)

    try:
        if page.is_async:
            response = await async_page()
        else:
            response = await state.orienta.db.run(contextvars.copy_context().run, sync_page)
    except SQLAlchemyError:
        log.exception("admin page failed on the database", extra={"path": page.path})
        return HTMLResponse(
            render("unavailable.html", {"lang": current_language()}), status_code=503
        )
    secure = state.https or over_https(request, state.settings.trusted_proxies)
    if new_pre_seed:  # a browser without one, signed in or not (its session may be stale)
        response.set_cookie(
            PRE_SESSION_COOKIE,
            new_pre_seed,
            httponly=True,
            samesite="lax",
            secure=secure,
            path=ADMIN_ROOT,
        )
    for name, value, max_age in getattr(response, "_admin_cookies", []):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=secure,
            path=ADMIN_ROOT,
        )
    return response


def with_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> Response:
    """Ask `run_page` to set a cookie with the admin's flags (HttpOnly, SameSite, Secure)."""
    cookies = getattr(response, "_admin_cookies", [])
    cookies.append((name, value, max_age))
    response._admin_cookies = cookies  # type: ignore[attr-defined]
    return response
