"""Forms: WTForms, with its session-bound CSRF tokens (`SessionCSRF`) on every one.

A signed-in browser's tokens derive from its session's secret (`StaffSession.csrf_key`);
before sign-in (the sign-in and set-up pages) from a random value in a cookie of its own,
so that another site can neither read nor forge them. Tokens last as long as a session
may: a slow connection or a long form never loses its token before the session itself.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from wtforms import Form
from wtforms.csrf.session import SessionCSRF

__all__ = ["AdminForm", "CsrfOnly", "csrf_meta"]

CSRF_LIFETIME = timedelta(hours=12)


class AdminForm(Form):
    """The base of every admin form: its `csrf_token` field is checked on validation."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = CSRF_LIFETIME
        locales = ("fr_FR", "fr")


class CsrfOnly(AdminForm):
    """The check every POST passes before its page sees it (admin/routing.py)."""


def csrf_meta(secret_key: str, seed: str) -> dict[str, Any]:
    """The `meta` of a form for the browser whose CSRF seed is `seed`."""
    secret = hashlib.sha256(f"admin-csrf:{secret_key}".encode()).digest()
    return {"csrf_secret": secret, "csrf_context": {"csrf": seed}}
