"""Settings: safe local defaults, clear errors, and secrets that stay the same."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Hotline, Settings, load_settings

POSTGRES_SECRETS = {"SECRET_KEY": "given-secret", "IDENTITY_KEY": "given-identity"}


def load(tmp_path: Path, **environ: str) -> Settings:
    """Settings from `environ` alone, with the var dir in `tmp_path`."""
    return load_settings(
        environ={"ORIENTA_VAR_DIR": str(tmp_path / "var"), **environ}, env_file=None
    )


def test_defaults_need_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={}, env_file=None)
    var_dir = (tmp_path / "var").resolve()
    assert settings.var_dir == var_dir
    assert settings.database_url == f"sqlite:///{var_dir / 'orienta.db'}"
    assert settings.is_sqlite
    assert settings.timezone == "Africa/Conakry"
    assert settings.tz.key == "Africa/Conakry"
    assert settings.hotlines == ()
    assert settings.max_retries == 3
    assert settings.resume_after_hours == 6.0
    assert settings.secret_key
    assert settings.identity_key
    assert settings.secret_key != settings.identity_key


@pytest.mark.parametrize(
    "url",
    [
        "postgres://orienta:pw@db.example:5432/orienta",
        "postgresql://orienta:pw@db.example:5432/orienta",
        "postgresql+psycopg://orienta:pw@db.example:5432/orienta",
    ],
)
def test_postgresql_urls_use_psycopg(tmp_path: Path, url: str) -> None:
    settings = load(tmp_path, DATABASE_URL=url, **POSTGRES_SECRETS)
    assert settings.database_url == "postgresql+psycopg://orienta:pw@db.example:5432/orienta"
    assert not settings.is_sqlite


def test_hotlines_in_the_order_given(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        HOTLINE_NUMBERS=" Croix-Rouge = +224 622 00 00 00 ;Police=117;; ",
    )
    assert settings.hotlines == (
        Hotline("Croix-Rouge", "+224 622 00 00 00"),
        Hotline("Police", "117"),
    )


@pytest.mark.parametrize("entry", ["Police", "=117", "Police=", " = "])
def test_a_malformed_hotline_is_named(tmp_path: Path, entry: str) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_NUMBERS") as error:
        load(tmp_path, HOTLINE_NUMBERS=f"Croix-Rouge=+224 622 00 00 00;{entry}")
    assert repr(entry.strip()) in str(error.value)
    assert "Label=number" in str(error.value)


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "africa/conakry", "../../etc/passwd"])
def test_an_unknown_timezone_is_named(tmp_path: Path, timezone: str) -> None:
    with pytest.raises(ConfigError, match="ORIENTA_TIMEZONE") as error:
        load(tmp_path, ORIENTA_TIMEZONE=timezone)
    assert repr(timezone) in str(error.value)


def test_another_timezone(tmp_path: Path) -> None:
    assert load(tmp_path, ORIENTA_TIMEZONE="Africa/Dakar").tz.key == "Africa/Dakar"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORIENTA_MAX_RETRIES", "trois"),
        ("ORIENTA_MAX_RETRIES", "0"),
        ("ORIENTA_RESUME_AFTER_HOURS", "six"),
    ],
)
def test_a_bad_number_is_named(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load(tmp_path, **{name: value})


def test_oral_first_languages(tmp_path: Path) -> None:
    assert load(tmp_path).oral_first_languages == frozenset()
    settings = load(tmp_path, ORIENTA_ORAL_FIRST_LANGUAGES=" ff, sus ,,")
    assert settings.oral_first_languages == frozenset({"ff", "sus"})
    with pytest.raises(ConfigError, match=r"ORIENTA_ORAL_FIRST_LANGUAGES.*pular"):
        load(tmp_path, ORIENTA_ORAL_FIRST_LANGUAGES="ff,pular")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_non_finite_retry_count_is_named(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="ORIENTA_MAX_RETRIES"):
        load(tmp_path, ORIENTA_MAX_RETRIES=value)


def test_local_secrets_are_generated_once_private_and_reused(tmp_path: Path) -> None:
    first = load(tmp_path)
    var_dir = tmp_path / "var"
    for name, value in [("secret_key", first.secret_key), ("identity_key", first.identity_key)]:
        path = var_dir / name
        assert path.read_text().strip() == value
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(value) >= 32

    again = load(tmp_path)
    assert (again.secret_key, again.identity_key) == (first.secret_key, first.identity_key)


def test_given_secrets_win_and_nothing_is_written(tmp_path: Path) -> None:
    settings = load(tmp_path, **POSTGRES_SECRETS)
    assert settings.secret_key == "given-secret"
    assert settings.identity_key == "given-identity"
    assert not (tmp_path / "var" / "secret_key").exists()
    assert not (tmp_path / "var" / "identity_key").exists()


def test_an_empty_secret_file_never_gives_an_empty_secret(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("")
    try:
        settings = load(tmp_path)
    except ConfigError:
        return
    assert settings.secret_key


@pytest.mark.parametrize("missing", ["SECRET_KEY", "IDENTITY_KEY"])
def test_postgresql_requires_shared_secrets(tmp_path: Path, missing: str) -> None:
    environ = {k: v for k, v in POSTGRES_SECRETS.items() if k != missing}
    with pytest.raises(ConfigError, match=f"'{missing}' is missing"):
        load(tmp_path, DATABASE_URL="postgres://orienta@db.example/orienta", **environ)
    assert not (tmp_path / "var" / missing.lower()).exists()


def test_environment_overrides_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "DATABASE_URL=postgres://orienta@db.example/orienta\n"
        "SECRET_KEY=from-file\n"
        "IDENTITY_KEY=identity-from-file\n"
        "ORIENTA_TIMEZONE=Africa/Dakar\n"
        "HOTLINE_NUMBERS=Police=117\n"
        f"ORIENTA_VAR_DIR={tmp_path / 'var'}\n"
    )
    settings = load_settings(
        environ={"SECRET_KEY": "from-environment", "ORIENTA_TIMEZONE": "Africa/Conakry"},
        env_file=env_file,
    )
    assert settings.secret_key == "from-environment"
    assert settings.timezone == "Africa/Conakry"
    assert settings.identity_key == "identity-from-file"
    assert settings.database_url == "postgresql+psycopg://orienta@db.example/orienta"
    assert settings.hotlines == (Hotline("Police", "117"),)


def test_a_missing_env_file_is_fine(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"ORIENTA_VAR_DIR": str(tmp_path / "var")}, env_file=tmp_path / "absent.env"
    )
    assert settings.is_sqlite
