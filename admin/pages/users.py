"""Staff accounts, for admins: the list, a new account (with a first password the admin
passes on; its owner changes it in « Mon compte »), a role change, disabling (which ends
the account's sessions at once) and enabling again."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired

from admin import accounts
from admin.access import ROLES, Permission, role_label
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.passwords import password_problem
from admin.routing import NotFound, PageContext, page
from admin.sessions import end_all
from bot.storage.models import Partner, StaffUser


def _role_choices() -> list[tuple[str, str]]:
    return [(role, role_label(role)) for role in ROLES]


def _partner_choices(ctx: PageContext) -> list[tuple[str, str]]:
    partners = ctx.db_session.scalars(select(Partner).order_by(Partner.name))
    return [("", "—")] + [(p.code, f"{p.name} ({p.code})") for p in partners]


class NewAccountForm(AdminForm):
    email = EmailField(lazy("Adresse e-mail"), [DataRequired()])
    role = SelectField(lazy("Rôle"), [DataRequired()])
    partner = SelectField(lazy("Partenaire (pour un compte partenaire)"))
    password = PasswordField(lazy("Premier mot de passe (8 caractères au moins)"), [DataRequired()])


class RoleForm(AdminForm):
    role = SelectField(lazy("Rôle"), [DataRequired()])
    partner = SelectField(lazy("Partenaire (pour un compte partenaire)"))


def _user(ctx: PageContext) -> StaffUser:
    user = ctx.db_session.scalar(
        select(StaffUser).where(StaffUser.public_id == ctx.request.path_params["public_id"])
    )
    if user is None:
        raise NotFound
    return user


@page("/users", Permission.MANAGE_USERS)
def user_list(ctx: PageContext) -> Response:
    users = ctx.db_session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return ctx.render("users.html", users=users, role_label=role_label)


@page("/users/new", Permission.MANAGE_USERS, methods=("GET", "POST"))
def new_user(ctx: PageContext) -> Response:
    form = ctx.form(NewAccountForm)
    form.role.choices = _role_choices()
    form.partner.choices = _partner_choices(ctx)
    error = ""
    if ctx.form_data is not None and form.validate():
        error = password_problem(form.password.data, email=form.email.data) or ""
        if not error:
            try:
                # Hashed here, in the database thread: an admin creates few accounts.
                user = accounts.create_account(
                    ctx.db_session,
                    email=form.email.data,
                    password_hash=ctx.state.passwords.hash(form.password.data),
                    role=form.role.data,
                    partner_code=form.partner.data or None,
                    now=ctx.now,
                )
            except accounts.AccountError as problem:
                error = str(problem)
            else:
                ctx.audit(
                    "account.create",
                    target_type="staff",
                    target=user.public_id,
                    after={
                        "email": user.email,
                        "role": user.role,
                        "partner": form.partner.data or None,
                    },
                )
                return ctx.redirect("/users", notice="account_created")
    elif ctx.form_data is not None:
        error = gettext_("Remplissez les champs marqués.")
    return ctx.render("user_new.html", form=form, error=error, status=400 if error else 200)


@page("/users/{public_id}", Permission.MANAGE_USERS, methods=("GET", "POST"))
def edit_user(ctx: PageContext) -> Response:
    user = _user(ctx)
    form = ctx.form(RoleForm, role=user.role, partner=user.partner.code if user.partner else "")
    form.role.choices = _role_choices()
    form.partner.choices = _partner_choices(ctx)
    error = ""
    if ctx.form_data is not None and form.validate():
        partner = None
        if form.role.data == "partner":
            partner = ctx.db_session.scalar(
                select(Partner).where(Partner.code == form.partner.data)
            )
            if partner is None:
                error = gettext_("Un compte partenaire doit nommer un partenaire existant.")
        if not error:
            before = {"role": user.role, "partner": user.partner.code if user.partner else None}
            user.role = form.role.data
            user.partner_id = partner.id if partner else None
            after = {"role": user.role, "partner": partner.code if partner else None}
            if before != after:
                end_all(ctx.db_session, user)  # its rights changed: it signs in again
            ctx.audit(
                "account.role",
                target_type="staff",
                target=user.public_id,
                before=before,
                after=after,
            )
            return ctx.redirect(f"/users/{user.public_id}", notice="saved")
    return ctx.render(
        "user_edit.html", account=user, form=form, error=error, status=400 if error else 200
    )


@page("/users/{public_id}/disable", Permission.MANAGE_USERS, methods=("POST",))
def disable_user(ctx: PageContext) -> Response:
    user = _user(ctx)
    if ctx.user is not None and user.id == ctx.user.id:
        return ctx.render(
            "error.html",
            status=400,
            status_code=400,
            message=gettext_("Vous ne pouvez pas désactiver votre propre compte."),
        )
    if user.disabled_at is None:
        user.disabled_at = ctx.now
        end_all(ctx.db_session, user)
    ctx.audit("account.disable", target_type="staff", target=user.public_id)
    return ctx.redirect(f"/users/{user.public_id}", notice="account_disabled")


@page("/users/{public_id}/enable", Permission.MANAGE_USERS, methods=("POST",))
def enable_user(ctx: PageContext) -> Response:
    user = _user(ctx)
    user.disabled_at = None
    ctx.audit("account.enable", target_type="staff", target=user.public_id)
    return ctx.redirect(f"/users/{user.public_id}", notice="account_enabled")
