"""Signing in and out, the first admin's set-up link, and changing one's password.

These pages are `async`: argon2 runs off the database thread, a few at a time
(admin/passwords.py), between short transactions.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired

from admin import accounts
from admin.access import Permission
from admin.clients import client_address
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.passwords import Busy, password_problem
from admin.routing import PageContext, page, with_cookie
from admin.sessions import COOKIE, end_all, end_session, start_session
from admin.templating import ADMIN_ROOT
from bot.storage.models import StaffUser


class SignInForm(AdminForm):
    email = EmailField(lazy("Adresse e-mail"), [DataRequired()])
    password = PasswordField(lazy("Mot de passe"), [DataRequired()])
    next = HiddenField()


class SetupForm(AdminForm):
    email = EmailField(lazy("Adresse e-mail"), [DataRequired()])
    password = PasswordField(lazy("Mot de passe (8 caractères au moins)"), [DataRequired()])
    password_confirm = PasswordField(
        lazy("Le même mot de passe, une seconde fois"), [DataRequired()]
    )


class PasswordForm(AdminForm):
    current_password = PasswordField(lazy("Mot de passe actuel"), [DataRequired()])
    new_password = PasswordField(
        lazy("Nouveau mot de passe (8 caractères au moins)"), [DataRequired()]
    )
    new_password_confirm = PasswordField(lazy("Le nouveau, une seconde fois"), [DataRequired()])


def _safe_next(target: str | None) -> str:
    """Only a page of the admin (never another site) after signing in."""
    if target and target.startswith(ADMIN_ROOT + "/") and not target.startswith("//"):
        return target
    return ADMIN_ROOT + "/"


def _sign_in_response(ctx: PageContext, cookie_value: str, target: str) -> Response:
    response = ctx.redirect("/")
    response.headers["location"] = _safe_next(target)
    return with_cookie(response, COOKIE, cookie_value)


@page("/login", None, methods=("GET", "POST"))
async def sign_in(ctx: PageContext) -> Response:
    form = ctx.form(SignInForm, next=ctx.request.query_params.get("next", ""))
    if ctx.form_data is None:
        return ctx.render("login.html", form=form, error="")
    if not form.validate():
        return ctx.render(
            "login.html",
            form=form,
            error=gettext_("Indiquez votre e-mail et votre mot de passe."),
            status=400,
        )
    email = accounts.normalise_email(form.email.data)
    address = client_address(ctx.request, ctx.state.settings.trusted_proxies)
    throttle = ctx.state.throttle
    too_many = gettext_(
        "Trop de tentatives. Attendez un quart d'heure avant de réessayer, ou demandez à un "
        "administrateur de changer votre mot de passe."
    )
    if throttle.blocked(email, address, ctx.now):
        return ctx.render("login.html", form=form, error=too_many, status=429)

    def account(session: Session) -> tuple[int, str, str] | None:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None or user.disabled_at is not None:
            return None
        return user.id, user.public_id, user.password_hash

    found = await ctx.db(account)
    try:
        right = await ctx.state.passwords.verify(found[2] if found else None, form.password.data)
    except Busy:
        return ctx.render("login.html", form=form, error=too_many, status=429)
    if not right or found is None:
        throttle.failed(email, address, ctx.now)

        def refused(session: Session) -> None:
            ctx.audit(
                "sign_in.refused",
                target_type="staff",
                target=found[1] if found else None,
                session=session,
            )

        await ctx.db(refused)
        form.password.data = ""
        return ctx.render(
            "login.html", form=form, error=gettext_("E-mail ou mot de passe incorrect."), status=401
        )
    throttle.succeeded(email)
    rehash = (
        ctx.state.passwords.hash(form.password.data)
        if ctx.state.passwords.hasher.check_needs_rehash(found[2])
        else None
    )

    def signed_in(session: Session) -> str:
        user = session.get_one(StaffUser, found[0])
        user.last_sign_in_at = ctx.now
        if rehash:
            user.password_hash = rehash
        ctx.audit(
            "sign_in",
            target_type="staff",
            target=user.public_id,
            session=session,
            actor=user.public_id,
        )
        return start_session(session, user, ctx.now)

    cookie_value = await ctx.db(signed_in)
    return _sign_in_response(ctx, cookie_value, form.next.data or "")


@page("/logout", Permission.SIGNED_IN, methods=("POST",))
def sign_out(ctx: PageContext) -> Response:
    end_session(ctx.db_session, ctx.request.cookies.get(COOKIE, ""))
    ctx.audit("sign_out", target_type="staff", target=ctx.actor)
    return with_cookie(ctx.redirect("/login", notice="signed_out"), COOKIE, "", max_age=0)


@page("/setup/{token}", None, methods=("GET", "POST"))
async def first_admin(ctx: PageContext) -> Response:
    token = ctx.request.path_params["token"]
    valid = await ctx.db(lambda s: accounts.valid_setup_token(s, token, ctx.now) is not None)
    if not valid:
        return ctx.render(
            "error.html",
            status=404,
            status_code=404,
            message=gettext_(
                "Ce lien de première connexion n'est plus valable : il a déjà servi, ou il a "
                "plus d'une heure. Redémarrez Orienta pour en obtenir un nouveau tant "
                "qu'aucun compte n'existe, ou créez un compte avec « orienta create-user »."
            ),
        )
    form = ctx.form(SetupForm)
    if ctx.form_data is None or not form.validate():
        return ctx.render(
            "setup.html", form=form, error="", status=200 if ctx.form_data is None else 400
        )
    problem = password_problem(form.password.data, email=form.email.data)
    if problem is None and form.password.data != form.password_confirm.data:
        problem = gettext_("Les deux mots de passe ne sont pas les mêmes.")
    if problem:
        return ctx.render("setup.html", form=form, error=problem, status=400)
    password_hash = await ctx.state.passwords.hash_async(form.password.data)

    def create(session: Session) -> str | None:
        if not accounts.use_setup_token(session, token, ctx.now):
            return None
        user = accounts.create_account(
            session, email=form.email.data, password_hash=password_hash, role="admin", now=ctx.now
        )
        ctx.audit(
            "account.create",
            target_type="staff",
            target=user.public_id,
            after={"email": user.email, "role": "admin"},
            session=session,
            actor="setup",
        )
        return start_session(session, user, ctx.now)

    try:
        cookie_value = await ctx.db(create)
    except accounts.AccountError as error:
        return ctx.render("setup.html", form=form, error=str(error), status=400)
    if cookie_value is None:
        return ctx.render(
            "error.html",
            status=404,
            status_code=404,
            message=gettext_("Ce lien de première connexion a déjà servi."),
        )
    return _sign_in_response(ctx, cookie_value, ADMIN_ROOT + "/")


@page("/account", Permission.SIGNED_IN)
def my_account(ctx: PageContext) -> Response:
    return ctx.render("account.html", form=ctx.form(PasswordForm), error="")


@page("/account/password", Permission.SIGNED_IN, methods=("POST",))
async def change_password(ctx: PageContext) -> Response:
    assert ctx.user is not None
    form = ctx.form(PasswordForm)
    if not form.validate():
        return ctx.render(
            "account.html", form=form, error=gettext_("Remplissez les trois champs."), status=400
        )
    stored = await ctx.db(lambda s: s.get_one(StaffUser, ctx.user.id).password_hash)  # type: ignore[union-attr]
    try:
        right = await ctx.state.passwords.verify(stored, form.current_password.data)
    except Busy:
        right = False
    problem = None if right else gettext_("Le mot de passe actuel n'est pas le bon.")
    problem = problem or password_problem(form.new_password.data, email=ctx.user.email)
    if problem is None and form.new_password.data != form.new_password_confirm.data:
        problem = gettext_("Les deux nouveaux mots de passe ne sont pas les mêmes.")
    if problem:
        return ctx.render("account.html", form=form, error=problem, status=400)
    password_hash = await ctx.state.passwords.hash_async(form.new_password.data)

    def change(session: Session) -> str:
        user = session.get_one(StaffUser, ctx.user.id)  # type: ignore[union-attr]
        user.password_hash = password_hash
        user.password_changed_at = ctx.now
        end_all(session, user)  # every other browser signed out; this one signs in again
        ctx.audit("account.password", target_type="staff", target=user.public_id, session=session)
        return start_session(session, user, ctx.now)

    cookie_value = await ctx.db(change)
    return with_cookie(ctx.redirect("/account", notice="password_changed"), COOKIE, cookie_value)
