"""Partners, for staff: the list, a new partner, editing one, closing one (its services
are offered to nobody from then on; people already booked keep their place), and a
partner's page with its services, which a partner account may see for its own.

A partner's focal point and public number are the organisation's, not a person's: they
are shown here and may be written in the audit log.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from admin import audit
from admin.access import Permission
from admin.catalogue import FOCAL_CHANNELS, LANGUAGES, PARTNER_KINDS, in_language, label, labels
from admin.fields import Checkboxes, choices, keep_unknown, tidy
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.routing import PageContext, page
from admin.scope import partner_in_reach
from bot.channels.phones import to_e164
from bot.storage.models import Partner, Service

CODE = re.compile(r"[A-Z0-9-]{3,16}")
"""As the bot reads it in a first message (bot/engine/identity.py)."""
FIELDS = (
    "code",
    "name",
    "kind",
    "focal_point",
    "focal_channel",
    "focal_address",
    "public_phone",
    "languages",
)


class PartnerForm(AdminForm):
    code = StringField(
        lazy("Code (3 à 16 lettres, chiffres ou tirets, pour les liens et QR codes)"),
        [DataRequired(), Length(max=16)],
    )
    name = StringField(lazy("Nom"), [DataRequired(), Length(max=120)])
    kind = SelectField(lazy("Type"), choices=choices(lambda: labels(PARTNER_KINDS)))
    focal_point = StringField(lazy("Point focal (nom)"), [Length(max=120)])
    focal_channel = SelectField(
        lazy("Le point focal est prévenu des rendez-vous par"),
        choices=choices(lambda: labels(FOCAL_CHANNELS)),
        default="none",
    )
    focal_address = StringField(
        lazy("Numéro ou e-mail du point focal (jamais montré au public)"), [Length(max=255)]
    )
    public_phone = StringField(
        lazy("Numéro pour le public (donné aux personnes inscrites ; facultatif)"),
        [Length(max=32)],
    )
    languages = Checkboxes(lazy("Langues parlées"), choices=choices(lambda: labels(LANGUAGES)))


def values_of(partner: Partner) -> dict[str, Any]:
    return {name: getattr(partner, name) for name in FIELDS}


def _checked(ctx: PageContext, form: PartnerForm, partner: Partner | None) -> dict[str, Any] | str:
    """The partner's fields as they will be saved, or what is wrong with them."""
    code = tidy(form.code.data).upper()
    if not CODE.fullmatch(code):
        return gettext_("Le code : de 3 à 16 lettres (sans accent), chiffres ou tirets.")
    taken = ctx.db_session.scalar(select(Partner.id).where(Partner.code == code))
    if taken is not None and (partner is None or taken != partner.id):
        return gettext_("Ce code est déjà celui d'un autre partenaire.")
    channel = form.focal_channel.data
    address = tidy(form.focal_address.data)
    if channel in ("sms", "whatsapp"):
        address = to_e164(address) or ""
        if not address:
            return gettext_(
                "Indiquez le numéro de téléphone du point focal, ex. +224 620 00 00 00."
            )
    elif channel == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        return gettext_("Indiquez l'adresse e-mail du point focal.")
    phone = tidy(form.public_phone.data)
    if phone and to_e164(phone) is None:
        return gettext_("Le numéro pour le public n'est pas un numéro de téléphone.")
    return {
        "code": code,
        "name": tidy(form.name.data),
        "kind": form.kind.data,
        "focal_point": tidy(form.focal_point.data),
        "focal_channel": channel,
        "focal_address": address,
        "public_phone": phone or None,
        "languages": [key for key in LANGUAGES if key in (form.languages.data or [])],
    }


def _form_page(
    ctx: PageContext, form: PartnerForm, partner: Partner | None, error: str
) -> Response:
    return ctx.render(
        "partners_form.html",
        form=form,
        partner=partner,
        error=error,
        status=400 if error else 200,
    )


@page("/partners", Permission.MANAGE_PARTNERS)
def partner_list(ctx: PageContext) -> Response:
    counts = dict(
        ctx.db_session.execute(
            select(Service.partner_id, func.count())
            .where(Service.active.is_(True))
            .group_by(Service.partner_id)
        ).all()
    )
    partners = ctx.db_session.scalars(
        select(Partner).order_by(Partner.active.desc(), Partner.name)
    ).all()
    return ctx.render(
        "partners.html",
        partners=partners,
        counts=counts,
        kind_label=lambda key: label(PARTNER_KINDS, key),
    )


@page("/partners/new", Permission.MANAGE_PARTNERS, methods=("GET", "POST"))
def new_partner(ctx: PageContext) -> Response:
    form = ctx.form(PartnerForm)
    error = ""
    if ctx.form_data is not None:
        checked = _checked(ctx, form, None) if form.validate() else None
        if isinstance(checked, dict):
            partner = Partner(**checked, created_at=ctx.now)
            ctx.db_session.add(partner)
            ctx.db_session.flush()
            ctx.audit("partner.create", target_type="partner", target=partner.code, after=checked)
            return ctx.redirect(f"/partners/{partner.id}", notice="saved")
        error = checked or gettext_("Remplissez les champs marqués.")
    return _form_page(ctx, form, None, error)


@page("/partners/{partner_id}", Permission.MANAGE_SERVICES)
def partner_detail(ctx: PageContext) -> Response:
    partner = partner_in_reach(ctx, Permission.MANAGE_SERVICES)
    services = ctx.db_session.scalars(
        select(Service)
        .where(Service.partner_id == partner.id)
        .order_by(Service.active.desc(), Service.id)
    ).all()
    return ctx.render(
        "partners_detail.html",
        partner=partner,
        services=services,
        title=lambda s: in_language(s.title, "fr").text,
        kind_label=label(PARTNER_KINDS, partner.kind),
        channel_label=label(FOCAL_CHANNELS, partner.focal_channel),
        language_labels=[label(LANGUAGES, key) for key in partner.languages],
    )


@page("/partners/{partner_id}/edit", Permission.MANAGE_PARTNERS, methods=("GET", "POST"))
def edit_partner(ctx: PageContext) -> Response:
    partner = partner_in_reach(ctx, Permission.MANAGE_PARTNERS)
    form = ctx.form(PartnerForm, obj=partner)
    keep_unknown(form.languages, partner.languages)
    error = ""
    if ctx.form_data is not None:
        checked = _checked(ctx, form, partner) if form.validate() else None
        if isinstance(checked, dict):
            before, after = audit.changes(values_of(partner), checked)
            for name, value in checked.items():
                setattr(partner, name, value)
            if after:
                ctx.audit(
                    "partner.edit",
                    target_type="partner",
                    target=partner.code,
                    before=before,
                    after=after,
                )
            return ctx.redirect(f"/partners/{partner.id}", notice="saved")
        error = checked or gettext_("Remplissez les champs marqués.")
    return _form_page(ctx, form, partner, error)


@page("/partners/{partner_id}/close", Permission.MANAGE_PARTNERS, methods=("POST",))
def close_partner(ctx: PageContext) -> Response:
    partner = partner_in_reach(ctx, Permission.MANAGE_PARTNERS)
    if partner.active:
        partner.active = False
        ctx.audit(
            "partner.close",
            target_type="partner",
            target=partner.code,
            before={"active": True},
            after={"active": False},
        )
    return ctx.redirect(f"/partners/{partner.id}", notice="closed")
