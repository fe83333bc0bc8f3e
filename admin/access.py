"""Who may do what in the admin: the roles, the permissions, and the one function that
decides (`may`). Every route names the permission it needs (admin/routing.py) and calls
`may` again with the partner of what it shows, so that a partner's account sees its own
services, slots and bookings and nothing else.

| role        | may                                                                    |
|-------------|------------------------------------------------------------------------|
| admin       | everything: accounts, the audit log, phone numbers in clear            |
| coordinator | reports, the simulator (broadcasts to come)                            |
| staff       | people, partners, services, slots, bookings, the inbox, the simulator   |
| partner     | its own partner's services, slots and bookings; never a phone number   |
| viewer      | reports                                                                |
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ANY_PARTNER", "ROLES", "Permission", "may", "may_see_partner", "role_label"]


class Permission(StrEnum):
    SIGNED_IN = "signed_in"
    """Any account: the home page, one's own password."""
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    READ_REPORTS = "read_reports"
    MANAGE_PARTNERS = "manage_partners"
    """Create, edit and close partners (not the partner role: it edits its services)."""
    MANAGE_SERVICES = "manage_services"
    """Services and their slots (a partner: its own)."""
    READ_BOOKINGS = "read_bookings"
    MARK_ATTENDANCE = "mark_attendance"
    READ_PEOPLE = "read_people"
    PAUSE_PEOPLE = "pause_people"
    ERASE_PEOPLE = "erase_people"
    UNMASK_PHONES = "unmask_phones"
    READ_INBOX = "read_inbox"
    """The queue of requests for help and the text kept with them."""
    ANSWER_HELP = "answer_help"
    """Take a request, answer the person, hand back to the bot, close."""
    USE_SIMULATOR = "use_simulator"
    """Talk to the bot as a test person."""


_STAFF = frozenset(
    {
        Permission.SIGNED_IN,
        Permission.READ_REPORTS,
        Permission.MANAGE_PARTNERS,
        Permission.MANAGE_SERVICES,
        Permission.READ_BOOKINGS,
        Permission.MARK_ATTENDANCE,
        Permission.READ_PEOPLE,
        Permission.PAUSE_PEOPLE,
        Permission.ERASE_PEOPLE,
        Permission.READ_INBOX,
        Permission.ANSWER_HELP,
        Permission.USE_SIMULATOR,
    }
)

GRANTS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "coordinator": frozenset(
        {Permission.SIGNED_IN, Permission.READ_REPORTS, Permission.USE_SIMULATOR}
    ),
    "staff": _STAFF,
    "partner": frozenset(
        {
            Permission.SIGNED_IN,
            Permission.MANAGE_SERVICES,
            Permission.READ_BOOKINGS,
            Permission.MARK_ATTENDANCE,
        }
    ),
    "viewer": frozenset({Permission.SIGNED_IN, Permission.READ_REPORTS}),
}

ROLES: tuple[str, ...] = tuple(GRANTS)


class _AnyPartner:
    def __repr__(self) -> str:
        return "ANY_PARTNER"


ANY_PARTNER = _AnyPartner()
"""For the check a route makes before it knows whose rows it will show."""


def may(
    role: str,
    permission: Permission,
    *,
    own_partner: int | None = None,
    partner: int | _AnyPartner | None = ANY_PARTNER,
) -> bool:
    """Whether an account of `role` (a partner account: of `own_partner`) may do
    `permission` on something of `partner` (a partner's id, or None for what belongs to
    no partner, such as a person); ANY_PARTNER asks about the permission alone. A
    partner account acts only on its own partner's things."""
    if permission not in GRANTS.get(role, frozenset()):
        return False
    if role == "partner" and permission is not Permission.SIGNED_IN:
        if partner is ANY_PARTNER:
            return own_partner is not None
        return own_partner is not None and partner == own_partner
    return True


def may_see_partner(role: str, own_partner: int | None) -> int | None:
    """The one partner whose rows a listing may show, or None for every partner."""
    return own_partner if role == "partner" else None


def role_label(role: str) -> str:
    from admin.i18n import lazy

    labels = {
        "admin": lazy("Administrateur"),
        "coordinator": lazy("Coordinateur"),
        "staff": lazy("Personnel de l'ONG"),
        "partner": lazy("Partenaire"),
        "viewer": lazy("Lecture des rapports"),
    }
    return str(labels.get(role, role))
