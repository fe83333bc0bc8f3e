"""`orienta chat`, run as a person would run it: the installed command, a fresh database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import empty_postgres

ORIENTA = shutil.which("orienta", path=str(Path(sys.executable).parent)) or "orienta"
# Language, consent, Kindia/Coyah, man, 25-34, came back on his own, 3-12 months,
# training + job, solar + recycling, then the money questions, and a confirmed summary.
FULL_ORIENTATION = "bonjour\n1\n1\n3\n1\n2\n3\n2\n2\n1,2\n6 et 7\n3\n3\n4\n1\n2\n2\n1\n"


def run_chat(env: dict[str, str], stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORIENTA, "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def chat_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_NUMBERS")}
    env.update(
        DATABASE_URL=database_url,
        ORIENTA_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="chat-test-secret",
        IDENTITY_KEY="chat-test-identity",
    )
    return env


def test_scripted_chat_completes_an_orientation_on_a_fresh_database(tmp_path: Path) -> None:
    """No database yet: the command creates and migrates it by itself."""
    database = tmp_path / "fresh" / "orienta.db"
    env = chat_env(f"sqlite:///{database}", tmp_path)
    env.pop("SECRET_KEY")
    env.pop("IDENTITY_KEY")
    result = run_chat(env, FULL_ORIENTATION)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Choisissez votre langue" in out
    assert "Vos réponses. Envoyez un numéro" in out
    assert "Lieu: Kindia" in out
    assert "Métiers: Énergie solaire, Recyclage des déchets" in out
    assert out.rstrip().splitlines()[-1].startswith("Merci, c'est enregistré !")
    assert database.exists()
    assert (tmp_path / "var" / "identity_key").stat().st_mode & 0o077 == 0


def test_chat_renders_as_the_chosen_channel(tmp_path: Path) -> None:
    env = chat_env(f"sqlite:///{tmp_path / 'o.db'}", tmp_path)
    sms = run_chat(env, "bonjour\n", "--channel", "sms").stdout
    whatsapp = run_chat(env, "bonjour\n", "--channel", "whatsapp").stdout
    telegram = run_chat(env, "bonjour\n", "--channel", "telegram").stdout
    assert "\n1 Francais\n" in sms  # folded to GSM-7: 160 characters a part, not 70
    assert "\n1. Français\n" in whatsapp
    assert "\n[1] Français\n" in telegram


def test_lang_option_skips_the_language_question(tmp_path: Path) -> None:
    env = chat_env(f"sqlite:///{tmp_path / 'o.db'}", tmp_path)
    out = run_chat(env, "bonjour\n", "--lang", "fr").stdout
    assert "Acceptez-vous ?" in out
    assert "Choisissez votre langue" not in out


def test_a_named_user_continues_where_they_stopped(tmp_path: Path) -> None:
    env = chat_env(f"sqlite:///{tmp_path / 'o.db'}", tmp_path)
    run_chat(env, "bonjour\n1\n1\n", "--user", "aminata")
    out = run_chat(env, "7\n", "--user", "aminata").stdout
    assert "Dans quelle préfecture ou commune ?" in out
    assert "Siguiri" in out


def test_scripted_chat_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    empty_postgres(postgres_url)
    database_url = postgres_url
    result = run_chat(chat_env(database_url, tmp_path), FULL_ORIENTATION)
    assert result.returncode == 0, result.stderr
    assert "Vos réponses. Envoyez un numéro" in result.stdout
    engine = create_engine(database_url)
    with engine.connect() as connection:
        completed = connection.execute(
            text("SELECT count(*) FROM conversations WHERE completed_at IS NOT NULL")
        ).scalar()
    engine.dispose()
    assert completed == 1


def test_after_seed_demo_the_chat_ends_with_real_proposals_and_a_booking(
    tmp_path: Path,
) -> None:
    """What `make run` sets up: demo partners; an orientation then ends with offers near
    the person, and choosing one and a slot books it."""
    env = chat_env(f"sqlite:///{tmp_path / 'orienta.db'}", tmp_path)
    seeded = subprocess.run(
        [ORIENTA, "seed-demo"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "15 partners" in seeded.stdout and "démo" in seeded.stdout
    result = run_chat(env, FULL_ORIENTATION + "1\n1\nRDV\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Voici des appuis pour vous" in out
    # Solar, which he named, is taught one region away (Conakry); Kindia has training.
    assert "1 Installation de panneaux solaires - Centre de formation de Ratoma (démo)" in out
    assert "à Ratoma, région de Conakry (rien de tel dans votre région)" in out
    assert "Centre agricole de Kindia (démo)" in out
    assert "Choisissez un créneau :" in out
    assert "C'est réservé ! Votre code :" in out
    assert "Votre rendez-vous" in out and "Changer de créneau" in out
    again = subprocess.run(
        [ORIENTA, "seed-demo"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert "0 partners, 0 services, 0 slots, 0 stories created" in again.stdout
