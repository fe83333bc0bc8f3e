"""The README's own example, as a newcomer runs it after `make run` (nothing configured):
`orienta partner links DKAN1 --qr affiche.png` prints the links it can make, says which
settings the others need, and still writes a printable QR code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ORIENTA = shutil.which("orienta", path=str(Path(sys.executable).parent)) or "orienta"


def orienta(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.pop("DATABASE_URL", None)
    env.update(settings)
    return subprocess.run(
        [ORIENTA, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_readme_example_works_with_nothing_configured(tmp_path: Path) -> None:
    assert orienta(tmp_path, "seed-demo").returncode == 0
    result = orienta(tmp_path, "partner", "links", "DKAN1", "--qr", "affiche.png")
    assert result.returncode == 0, result.stderr
    assert "(set TELEGRAM_BOT_USERNAME)" in result.stdout
    assert "TWILIO_WHATSAPP_FROM" in result.stderr  # what a better QR code needs
    assert (tmp_path / "affiche.png").read_bytes().startswith(b"\x89PNG")


def test_with_a_whatsapp_number_the_qr_code_opens_whatsapp(tmp_path: Path) -> None:
    assert orienta(tmp_path, "seed-demo").returncode == 0
    result = orienta(
        tmp_path,
        "partner", "links", "DKAN1", "--qr", "affiche.svg",
        TWILIO_WHATSAPP_FROM="+224000000001",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "QR code of https://wa.me/224000000001?text=" in result.stdout
    assert result.stderr.count("TWILIO_WHATSAPP_FROM") == 0
    assert (tmp_path / "affiche.svg").read_text().lstrip().startswith("<?xml")
