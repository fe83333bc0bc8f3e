"""The admin's part of the `orienta` command: `orienta create-user`, and the one-time
set-up link `orienta serve` prints while no staff account exists (bot/cli.py, the
composition root, wires both in)."""

from __future__ import annotations

import argparse
import getpass
import sys

from admin import accounts, audit
from admin.access import ROLES
from admin.passwords import default_hasher, password_problem
from bot.app import Orienta

__all__ = ["add_admin_parsers", "admin_banner"]


def admin_banner(orienta: Orienta, base_url: str) -> str:
    """Where the admin is, and, while no account exists, the one-time link that creates
    the first one (valid for an hour, once)."""
    with orienta.sessions() as session, session.begin():
        token = accounts.issue_setup_token(session, orienta.engine.clock())
    if token is None:
        return f"Admin: {base_url}/admin/ (sign in with your staff account)"
    return (
        f"Admin: {base_url}/admin/ — no staff account yet. Create the first admin within the "
        f"hour, once, at:\n  {base_url}/admin/setup/{token}\n"
        "(or: orienta create-user EMAIL --role admin)"
    )


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (8 characters or more): ")
    if getpass.getpass("Same password again: ") != first:
        raise SystemExit("orienta: the two passwords differ; nothing was created.")
    return first


def _create_user(args: argparse.Namespace) -> int:
    from bot.app import open_orienta

    if args.role == "partner" and not args.partner:
        print("orienta: a partner account needs --partner CODE.", file=sys.stderr)
        return 2
    password = _read_password()
    problem = password_problem(password, email=args.email)
    if problem:
        print(f"orienta: {problem}", file=sys.stderr)
        return 2
    orienta = open_orienta()
    try:
        now = orienta.engine.clock()
        with orienta.sessions() as session, session.begin():
            user = accounts.create_account(
                session,
                email=args.email,
                password_hash=default_hasher().hash(password),
                role=args.role,
                partner_code=args.partner,
                now=now,
            )
            audit.record(
                session,
                actor="cli",
                action="account.create",
                now=now,
                target_type="staff",
                target=user.public_id,
                after={"email": user.email, "role": user.role, "partner": args.partner},
            )
    except accounts.AccountError as error:
        print(f"orienta: {error}", file=sys.stderr)
        return 2
    finally:
        orienta.close()
    print(f"Account created: {user.email} ({user.role}). Sign in at /admin/login.")
    return 0


def add_admin_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    create = sub.add_parser(
        "create-user",
        help="create a staff account for the admin (reads the password from stdin when "
        "it is not a terminal)",
    )
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--partner", metavar="CODE", help="the partner of a partner account")
    create.set_defaults(func=_create_user)
