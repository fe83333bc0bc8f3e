"""`orienta create-user`, as an operator runs it: the password from stdin when it is not
a terminal, refused when weak, and the account then signs in."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.app import Orienta
from bot.cli import main
from bot.settings import Settings
from tests.admin.support import PASSWORD, AdminClient, make_partner


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def create_user(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    """`orienta create-user ARGS` with `password` on a stdin that is not a terminal."""
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "ORIENTA_VAR_DIR": str(settings.var_dir),
        "SECRET_KEY": settings.secret_key,
        "IDENTITY_KEY": settings.identity_key,
    }.items():
        monkeypatch.setenv(name, value)

    def run(password: str, *args: str) -> Run:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        code = main(["create-user", *args])
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def test_an_operator_creates_a_partner_account_that_signs_in(
    create_user: Callable[..., Run], orienta: Orienta, admin_url: str
) -> None:
    make_partner(orienta, "CRG")
    done = create_user(PASSWORD, "agent@crg.test", "--role", "partner", "--partner", "crg")
    assert done.returncode == 0, done.stderr
    assert "Account created: agent@crg.test (partner)" in done.stdout
    browser = AdminClient(admin_url)
    browser.sign_in("agent@crg.test")
    assert browser.get("/admin/users").status_code == 403
    browser.close()


def test_a_weak_password_or_an_unknown_partner_creates_nothing(
    create_user: Callable[..., Run], orienta: Orienta
) -> None:
    weak = create_user("password1", "a@ong.test", "--role", "staff")
    assert weak.returncode == 2 and "trop courant" in weak.stderr
    unknown = create_user(PASSWORD, "b@ong.test", "--role", "partner", "--partner", "NOPE")
    assert unknown.returncode == 2 and "partenaire existant" in unknown.stderr
