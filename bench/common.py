"""What every benchmark shares: throw-away databases, Orienta's settings for a run,
signed webhooks for fictitious people, subprocesses on loopback, medians and the report.

Every figure is the median of several runs; every throughput is also given as a ratio
to a baseline measured in the same run, because these machines are noisy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

POSTGRES_ADMIN_URL = os.environ.get(
    "ORIENTA_BENCH_POSTGRES_URL",
    os.environ.get(
        "ORIENTA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
)

# Fake credentials, the same in every process of a run.
PUBLIC_BASE_URL = "https://bench.orienta.invalid"
TWILIO_ACCOUNT_SID = "ACbench00000000000000000000000000"
TWILIO_AUTH_TOKEN = "bench-twilio-token"
TELEGRAM_BOT_TOKEN = "123456:bench-telegram-token"
TELEGRAM_WEBHOOK_SECRET = "bench-telegram-secret"

RUNS = int(os.environ.get("ORIENTA_BENCH_RUNS", "3"))


def phone(n: int) -> str:
    """The n-th fictitious phone number: +224 000 … is assigned to nobody."""
    return f"+224000{n:06d}"


# -- databases --------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A new, empty database URL of `kind` ("sqlite" or "postgresql"), dropped after."""
    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="orienta-bench-")
        try:
            yield f"sqlite:///{tmp}/bench.db"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    name = f"orienta_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def environ(database_url: str, var_dir: str | Path, **extra: str) -> dict[str, str]:
    """Orienta's settings for a benchmark run: every channel on, fake providers, and no
    pacing towards providers (we measure Orienta, not Twilio's or Telegram's limits)."""
    env = {
        "DATABASE_URL": database_url,
        "ORIENTA_VAR_DIR": str(var_dir),
        "SECRET_KEY": "bench-secret",
        "IDENTITY_KEY": "bench-identity",
        "HOTLINE_NUMBERS": "Croix-Rouge (bench)=+224 000 00 00 01",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_SMS_FROM": "+224000999999",
        "TWILIO_MESSAGES_PER_SECOND": "1000000",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "TELEGRAM_SECONDS_PER_CHAT": "0",
        "TELEGRAM_MESSAGES_PER_SECOND": "1000000",
    }
    env.update(extra)
    return env


def open_bench_orienta(env: Mapping[str, str]) -> Any:
    """Orienta opened (and migrated) on `env`, in this process."""
    from bot.app import open_orienta
    from bot.settings import load_settings

    return open_orienta(load_settings(environ=dict(env), env_file=None))


def migrate_database(env: Mapping[str, str]) -> None:
    open_bench_orienta(env).close()


# -- signed webhooks --------------------------------------------------------------------


SMS_PATH = "/webhooks/twilio/sms"
_validator = RequestValidator(TWILIO_AUTH_TOKEN)


def twilio_form(person: int, turn: int, body: str) -> tuple[dict[str, str], str]:
    """The form Twilio posts for person `person`'s `turn`-th SMS, and its signature."""
    params = {
        "MessageSid": f"SM{person:016x}{turn:016x}",
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": phone(person),
        "To": "+224000999999",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "GN",
    }
    signature = _validator.compute_signature(PUBLIC_BASE_URL + SMS_PATH, params)
    return params, signature


def orientation_turns(lang: str = "fr") -> list[str]:
    """What one person types from "bonjour" to the end of a complete orientation."""
    from bot.commands.sms_cost import orientation_path

    return orientation_path(lang)


# -- processes on loopback --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(
    url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def spawn(
    args: Sequence[str], env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess (its output discarded unless it fails), terminated at the end."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            list(args),
            env={**os.environ, **(env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.returncode not in (0, -15, None):
                log.seek(0)
                tail = log.read()[-4000:].decode(errors="replace")
                name = " ".join(args[:3])
                print(f"[{name}… exited {process.returncode}]\n{tail}", file=sys.stderr)


def uvicorn_args(app: str, port: int, *extra: str) -> list[str]:
    return [
        PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", *extra,
    ]  # fmt: skip


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


# -- figures ----------------------------------------------------------------------------


def median_runs(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class Figure:
    section: str
    name: str
    value: float
    unit: str
    runs: list[float] = field(default_factory=list)
    baseline: str | None = None
    """The name of the figure (same section) this one is a ratio of."""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        if figure.baseline is not None:
            base = self.get(figure.section, figure.baseline)
            if base is not None and base.value:
                figure.ratio = figure.value / base.value
        self.figures.append(figure)
        print(f"  {format_row(figure)}", flush=True)
        return figure

    def get(self, section: str, name: str) -> Figure | None:
        for figure in self.figures:
            if figure.section == section and figure.name == name:
                return figure
        return None

    def table(self) -> str:
        lines = []
        section = None
        header = f"{'figure':<58} {'median':>11} {'unit':<7} {'ratio':>8}  target"
        for figure in self.figures:
            if figure.section != section:
                section = figure.section
                lines += ["", f"## {section}", header, "-" * len(header)]
            lines.append(format_row(figure))
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines).lstrip("\n")

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "runs": RUNS,
            "figures": [asdict(f) for f in self.figures],
            "notes": self.notes,
        }
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def format_row(figure: Figure) -> str:
    value = f"{figure.value:,.1f}" if abs(figure.value) < 100 else f"{figure.value:,.0f}"
    ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else ""
    verdict = {True: "met", False: "NOT MET", None: ""}[figure.met]
    target = f"{figure.target} {verdict}".strip()
    return f"{figure.name:<58} {value:>11} {figure.unit:<7} {ratio:>8}  {target}"


# -- people and the fake Twilio API (fan-out, scale-out) --------------------------------


def create_people(
    database_url: str, identity_key: str, first: int, count: int, language: str = "fr"
) -> None:
    """`count` people who gave their consent, each with an SMS identity on phone(first + n),
    written in bulk (set-up, not measured). Contact and identity ids are first + n + 1; on
    PostgreSQL the id sequences are moved past them, so the app can still add people."""
    from datetime import UTC, datetime

    from bot.engine.identity import address_hash
    from bot.storage.models import ChannelIdentity, Contact

    engine = create_engine(database_url)
    now = datetime.now(UTC)
    chunk = 5000
    try:
        for start in range(first, first + count, chunk):
            ids = range(start + 1, min(start + chunk, first + count) + 1)
            with engine.begin() as connection:
                connection.execute(
                    Contact.__table__.insert(),
                    [
                        {
                            "id": i,
                            "public_id": uuid.uuid4().hex,
                            "language": language,
                            "consent": "given",
                            "consent_version": "bench",
                            "consent_at": now,
                            "created_at": now,
                        }
                        for i in ids
                    ],
                )
                connection.execute(
                    ChannelIdentity.__table__.insert(),
                    [
                        {
                            "id": i,
                            "contact_id": i,
                            "channel": "sms",
                            "address_hash": address_hash(identity_key, phone(i - 1)),
                            "address": phone(i - 1),
                            "created_at": now,
                        }
                        for i in ids
                    ],
                )
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for table in ("contacts", "channel_identities"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
                connection.execute(text("ANALYZE contacts"))
                connection.execute(text("ANALYZE channel_identities"))
    finally:
        engine.dispose()


@dataclass
class FakeTwilioAPI:
    """bench/fake_twilio_server.py running in its own process (see `fake_twilio_api`)."""

    url: str
    pid: int

    def stats(self, keys: bool = False) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/stats", params={"keys": "1"} if keys else None)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def reset(self) -> None:
        httpx.post(f"{self.url}/reset").raise_for_status()


@contextlib.contextmanager
def fake_twilio_api() -> Iterator[FakeTwilioAPI]:
    """A fast fake Twilio Messages API under uvicorn on loopback, counting per key."""
    port = free_port()
    with spawn(uvicorn_args("bench.fake_twilio_server:app", port)) as process:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/stats", process=process)
        yield FakeTwilioAPI(url, process.pid)


def worker_args() -> list[str]:
    """`orienta worker`, run by this interpreter (its pid is the worker's own)."""
    return [PYTHON, "-m", "bot.cli", "worker"]


# -- the load: a lean HTTP/1.1 client ---------------------------------------------------


class LeanConnection:
    """One keep-alive HTTP/1.1 connection posting pre-encoded bodies. On the 2-core
    machine of these benchmarks httpx's AsyncClient spent 1.5 ms of CPU per request (3.5
    ms with 32 in flight), CPU taken from the servers being measured; this spends about
    40 µs. `headers` are extra header lines, each ending in CRLF."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(
        self, path: str, body: bytes, headers: str = "", content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        """(status, body) of the answer."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
        )
        self.writer.write(head.encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked answers are not expected from a webhook")
        answer = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def twilio_request(person: int, turn: int, text: str) -> tuple[bytes, str]:
    """A signed SMS webhook, encoded: (form body, extra header lines)."""
    params, signature = twilio_form(person, turn, text)
    return urlencode(params).encode(), f"X-Twilio-Signature: {signature}\r\n"


async def lifespan(receive: Any, send: Any) -> None:
    """The ASGI lifespan protocol for an app with nothing to start (the fake APIs)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def asgi_body(receive: Any) -> bytes:
    """The whole body of an ASGI request."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def asgi_json(send: Any, status: int, payload: Any) -> None:
    """Answer an ASGI request with `payload` as JSON."""
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
