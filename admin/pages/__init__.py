"""The admin's pages, one module per subject; importing this package declares them all
(admin/routing.py's `PAGES`)."""

from admin.pages import (
    account,
    audit_log,
    bookings,
    home,
    inbox,
    inbox_actions,
    partners,
    people,
    services,
    simulator,
    slots,
    users,
)

__all__ = [
    "account",
    "audit_log",
    "bookings",
    "home",
    "inbox",
    "inbox_actions",
    "partners",
    "people",
    "services",
    "simulator",
    "slots",
    "users",
]
