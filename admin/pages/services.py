"""Services, for staff and partners (a partner account: its own partner's only): the
list, a new service of a partner, a service's page with its slots and how many people
booked, editing one, and closing one (offered to nobody from then on; people already
booked keep their place).

A service's texts are written in French and, when someone has translated them, in the
bot's other languages; where one is missing, the bot shows the French text, and so does
the service's page, marked « (français, à défaut) ».
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin import audit
from admin.access import Permission
from admin.catalogue import (
    AUDIENCES,
    LANGUAGES,
    STATUSES,
    in_language,
    label,
    labels,
    need_keys,
    prefecture_choices,
    prefecture_label,
    region_choices,
    sector_choices,
)
from admin.fields import Checkboxes, choices, keep_unknown, tidy
from admin.forms import AdminForm
from admin.i18n import gettext_, lazy
from admin.routing import PageContext, page
from admin.scope import own_partner, partner_in_reach, service_in_reach
from bot.storage.models import Booking, Partner, Service, Slot

TITLE_LENGTH = 100
"""A title goes into SMS offers: short."""


class ServiceForm(AdminForm):
    title_fr = StringField(lazy("Titre en français"), [DataRequired(), Length(max=TITLE_LENGTH)])
    title_ff = StringField(lazy("Titre en pular (facultatif)"), [Length(max=TITLE_LENGTH)])
    title_emk = StringField(lazy("Titre en maninka (facultatif)"), [Length(max=TITLE_LENGTH)])
    title_sus = StringField(lazy("Titre en soussou (facultatif)"), [Length(max=TITLE_LENGTH)])
    title_en = StringField(lazy("Titre en anglais (facultatif)"), [Length(max=TITLE_LENGTH)])
    description_fr = TextAreaField(lazy("Description en français"), [Length(max=1000)])
    description_ff = TextAreaField(lazy("Description en pular"), [Length(max=1000)])
    description_emk = TextAreaField(lazy("Description en maninka"), [Length(max=1000)])
    description_sus = TextAreaField(lazy("Description en soussou"), [Length(max=1000)])
    description_en = TextAreaField(lazy("Description en anglais"), [Length(max=1000)])
    sectors = Checkboxes(lazy("Ce qu'il offre"), choices=choices(sector_choices))
    regions = Checkboxes(lazy("Régions servies"), choices=choices(region_choices))
    prefecture = SelectField(lazy("Où il a lieu"), choices=choices(prefecture_choices))
    audience = SelectField(
        lazy("Pour qui"), choices=choices(lambda: labels(AUDIENCES)), default="everyone"
    )
    cost_gnf = IntegerField(
        lazy("Coût pour la personne, en francs guinéens (0 : gratuit)"),
        [Optional(), NumberRange(min=0, max=100_000_000)],
        default=0,
    )
    place = StringField(lazy("Adresse ou lieu"), [Length(max=160)])
    hours = StringField(lazy("Heures d'ouverture (pour un service sur demande)"), [Length(max=120)])
    on_request = BooleanField(lazy("Sur demande, sans créneaux (la personne vient avec son code)"))


def values_of(service: Service) -> dict[str, Any]:
    return {
        "title": dict(service.title),
        "description": dict(service.description or {}),
        "sectors": list(service.sectors),
        "regions": list(service.regions),
        "prefecture": service.prefecture,
        "audience": service.audience,
        "cost_gnf": service.cost_gnf,
        "place": service.place,
        "hours": service.hours,
        "on_request": service.on_request,
    }


def _form_values(service: Service) -> dict[str, Any]:
    """The service as the form's fields."""
    values: dict[str, Any] = {}
    for lang in LANGUAGES:
        values[f"title_{lang}"] = service.title.get(lang, "")
        values[f"description_{lang}"] = (service.description or {}).get(lang, "")
    values.update(
        sectors=service.sectors,
        regions=service.regions,
        prefecture=service.prefecture or "",
        audience=service.audience,
        cost_gnf=service.cost_gnf,
        place=service.place,
        hours=service.hours,
        on_request=service.on_request,
    )
    return values


def _posted(form: ServiceForm) -> dict[str, Any]:
    """The service's fields as they will be saved (languages left blank: left out)."""
    titles = {lang: tidy(getattr(form, f"title_{lang}").data) for lang in LANGUAGES}
    descriptions = {
        lang: (getattr(form, f"description_{lang}").data or "").strip() for lang in LANGUAGES
    }
    return {
        "title": {lang: text for lang, text in titles.items() if text},
        "description": {lang: text for lang, text in descriptions.items() if text},
        "sectors": list(form.sectors.data or []),
        "regions": list(form.regions.data or []),
        "prefecture": form.prefecture.data or None,
        "audience": form.audience.data,
        "cost_gnf": form.cost_gnf.data or 0,
        "place": tidy(form.place.data),
        "hours": tidy(form.hours.data),
        "on_request": bool(form.on_request.data),
    }


def _valid(form: ServiceForm) -> bool:
    # A title of spaces passes DataRequired but is no title.
    return form.validate() and bool(tidy(form.title_fr.data))


def _form_page(
    ctx: PageContext, form: ServiceForm, partner: Partner, service: Service | None, error: str
) -> Response:
    return ctx.render(
        "services_form.html",
        form=form,
        partner=partner,
        service=service,
        need_keys=need_keys(),
        other_languages=[(key, label(LANGUAGES, key)) for key in LANGUAGES if key != "fr"],
        error=error,
        status=400 if error else 200,
    )


@page("/services", Permission.MANAGE_SERVICES)
def service_list(ctx: PageContext) -> Response:
    only = own_partner(ctx)
    query = (
        select(Service, Partner)
        .join(Partner, Service.partner_id == Partner.id)
        .order_by(Service.active.desc(), Partner.name, Service.id)
    )
    if only is not None:
        query = query.where(Service.partner_id == only)
    rows = ctx.db_session.execute(query).all()
    # SQLite gives back an aggregate's datetime naive (no column type to apply): UTC.
    next_slots = {
        service_id: starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
        for service_id, starts_at in ctx.db_session.execute(
            select(Slot.service_id, func.min(Slot.starts_at))
            .where(Slot.starts_at >= ctx.now, Slot.closed_at.is_(None))
            .group_by(Slot.service_id)
        )
    }
    return ctx.render(
        "services.html",
        rows=rows,
        next_slots=next_slots,
        own_partner=only,
        title=lambda s: in_language(s.title, "fr").text,
    )


@page("/partners/{partner_id}/services/new", Permission.MANAGE_SERVICES, methods=("GET", "POST"))
def new_service(ctx: PageContext) -> Response:
    partner = partner_in_reach(ctx, Permission.MANAGE_SERVICES)
    form = ctx.form(ServiceForm)
    error = ""
    if ctx.form_data is not None:
        if _valid(form):
            values = _posted(form)
            service = Service(partner_id=partner.id, prefectures=[], created_at=ctx.now, **values)
            ctx.db_session.add(service)
            ctx.db_session.flush()
            ctx.audit(
                "service.create",
                target_type="service",
                target=str(service.id),
                after={"partner": partner.code, **values},
            )
            return ctx.redirect(f"/services/{service.id}", notice="saved")
        error = gettext_("Remplissez les champs marqués.")
    return _form_page(ctx, form, partner, None, error)


@page("/services/{service_id}", Permission.MANAGE_SERVICES)
def service_detail(ctx: PageContext) -> Response:
    service = service_in_reach(ctx, Permission.MANAGE_SERVICES)
    session = ctx.db_session
    slots = session.scalars(
        select(Slot)
        .where(Slot.service_id == service.id, Slot.ends_at >= ctx.now)
        .order_by(Slot.starts_at, Slot.id)
    ).all()
    counts = dict(
        session.execute(
            select(Booking.status, func.count())
            .where(Booking.service_id == service.id)
            .group_by(Booking.status)
        ).all()
    )
    sectors = dict(sector_choices())
    regions = dict(region_choices())
    return ctx.render(
        "services_detail.html",
        service=service,
        partner=service.partner,
        texts=[
            (
                label(LANGUAGES, lang),
                in_language(service.title, lang),
                in_language(service.description or {}, lang),
            )
            for lang in LANGUAGES
        ],
        sectors=[sectors.get(key, key) for key in service.sectors],
        regions=[regions.get(key, key) for key in service.regions],
        prefecture=prefecture_label(service.prefecture),
        audience=label(AUDIENCES, service.audience),
        slots=slots,
        counts=[(label(STATUSES, key), counts[key]) for key in STATUSES if counts.get(key)],
        now=ctx.now,
    )


@page("/services/{service_id}/edit", Permission.MANAGE_SERVICES, methods=("GET", "POST"))
def edit_service(ctx: PageContext) -> Response:
    service = service_in_reach(ctx, Permission.MANAGE_SERVICES)
    form = ctx.form(ServiceForm, **_form_values(service))
    keep_unknown(form.sectors, service.sectors)
    keep_unknown(form.regions, service.regions)
    error = ""
    if ctx.form_data is not None:
        if _valid(form):
            before, after = audit.changes(values_of(service), _posted(form))
            for name, value in after.items():
                setattr(service, name, value)
            if after:
                ctx.audit(
                    "service.edit",
                    target_type="service",
                    target=str(service.id),
                    before=before,
                    after=after,
                )
            return ctx.redirect(f"/services/{service.id}", notice="saved")
        error = gettext_("Remplissez les champs marqués.")
    return _form_page(ctx, form, service.partner, service, error)


@page("/services/{service_id}/close", Permission.MANAGE_SERVICES, methods=("POST",))
def close_service(ctx: PageContext) -> Response:
    service = service_in_reach(ctx, Permission.MANAGE_SERVICES)
    if service.active:
        service.active = False
        ctx.audit(
            "service.close",
            target_type="service",
            target=str(service.id),
            before={"active": True},
            after={"active": False},
        )
    return ctx.redirect(f"/services/{service.id}", notice="closed")
