"""The Jinja2 environment of the admin: templates in admin/templates, every value escaped
(a `<script>` in a partner's name or a person's answer is shown as text), texts through
the admin's gettext domain, dates in local time."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from admin.i18n import format_number, gettext_, ngettext_

__all__ = ["ADMIN_ROOT", "environment", "render"]

ADMIN_ROOT = "/admin"
TEMPLATES_DIR = Path(__file__).parent / "templates"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext_, ngettext_, newstyle=True)  # type: ignore[attr-defined]
    env.globals["root"] = ADMIN_ROOT
    env.filters["number"] = format_number
    return env


def render(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(context)
