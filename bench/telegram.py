"""Telegram: complete orientations as Telegram updates through our webhook, against what
a Telegram bot author would write with python-telegram-bot (PTB): a `ConversationHandler`
with one state per turn of the same orientation, kept in a `PicklePersistence`.

Every server runs under uvicorn in its own process, one worker each, and sends its
replies through PTB's `Bot` to the same fake Bot API (bench/fake_telegram_server.py, a
third process). The load comes from this process: CONCURRENCY chats at once, each a
different person typing the orientation's answers in order, each update posted once the
previous one was answered (a closed loop: a turn counts once its replies were sent and
the webhook answered 200). Both servers get the same update bodies through the same lean
client. A run is a window of WINDOW seconds; the turns answered within it count. The
chats a window cuts off still have every answered turn checked against the fake's
sendMessage counts: replies lost or duplicated are a figure.

Our server is `uvicorn bot.web:app` as deployed (Procfile): each turn is committed
(inbound, state, outbox row) before its reply is sent, then marked sent. PTB keeps the
conversation in memory and saves it every `update_interval` (60 s by default), so a
crash loses up to a minute of conversations; an informative row saves after every update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import statistics
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

from bench.common import (
    RUNS,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    Figure,
    LeanConnection,
    Report,
    database,
    environ,
    free_port,
    open_bench_orienta,
    orientation_turns,
    spawn,
    uvicorn_args,
    wait_http,
)

SECTION = "2. Telegram webhook (complete orientations)"
CONCURRENCY = 32  # chats in flight at once
WINDOW = float(os.environ.get("ORIENTA_BENCH_TELEGRAM_SECONDS", "5"))  # seconds per run
WARM_UP = 2.0  # seconds of traffic before the first run of each server
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

OURS_SQLITE = "Orienta, SQLite (each turn committed)"
OURS_POSTGRES = "Orienta, PostgreSQL (each turn committed)"
PTB = "PTB ConversationHandler + PicklePersistence (60 s saves)"
PTB_FLUSHED = "PTB, PicklePersistence saved after every update (info)"


# -- the script: what our bot says at each turn -----------------------------------------


def our_script() -> list[dict[str, Any]]:
    """Each turn of the orientation as our bot plays it on Telegram, from our engine on
    a throw-away database: what the person types, the sendMessage parameters of every
    reply, and the choices the last reply asks for (labels, several allowed or not)."""
    from bot.channels.telegram.keyboards import render_telegram
    from bot.messaging import Inbound

    script: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        orienta = open_bench_orienta(environ(f"sqlite:///{tmp}/script.db", tmp))
        try:
            for turn, text in enumerate(orientation_turns()):
                inbound = Inbound("telegram", "700000001", text, provider_id=f"tg-script-{turn}")
                outbounds = orienta.engine.handle(inbound)
                replies = []
                for outbound in outbounds:
                    for params in render_telegram(outbound):
                        markup = params.get("reply_markup")
                        replies.append(
                            {"text": params["text"], "markup": markup.to_dict() if markup else None}
                        )
                asking = outbounds[-1]
                script.append(
                    {
                        "answer": text,
                        "replies": replies,
                        "asks": asking.message_ids[0] if asking.message_ids else "",
                        "choices": [choice.label for choice in asking.choices],
                        "multi": asking.multi,
                    }
                )
        finally:
            orienta.close()
    return script


# -- the baseline: a PTB bot as its author would write it --------------------------------


def _markup(data: dict[str, Any] | None) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if data is None:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
                for row in data["inline_keyboard"]
            ]
        )
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(b["text"], request_contact=b.get("request_contact")) for b in row]
            for row in data["keyboard"]
        ],
        resize_keyboard=data.get("resize_keyboard"),
        one_time_keyboard=data.get("one_time_keyboard"),
    )


NUMBERS = re.compile(r"\s*\d+\s*(?:[,;\s]\s*\d+\s*)*")
KEYWORDS = r"(?i)^\s*(aide|help|effacer|stop)\s*$"


@dataclass
class Question:
    key: str
    replies: list[tuple[str, Any]]  # (text, reply markup) sent to ask it
    choices: list[str]
    multi: bool
    title: str = ""


@dataclass
class Orientation:
    """The orientation as PTB states: state `s` waits for the answer to the question
    asked at turn `s - 1`, checks it (numbers within the choices, several only where
    allowed, or the question again), keeps it in `context.user_data` and asks the next
    one with the same text and buttons as our bot. Consent "no" ends, the summary is
    built from the answers and a number there goes back to that question, and keywords
    (AIDE, EFFACER/STOP) work at every step: the same conversation, written with PTB."""

    questions: list[Question] = field(default_factory=list)

    @classmethod
    def from_script(cls, script: list[dict[str, Any]]) -> Orientation:
        questions = []
        for turn in script:
            replies = [(r["text"], _markup(r["markup"])) for r in turn["replies"]]
            first_line = replies[-1][0].split("\n")[0].rstrip(" ?:")
            title = first_line.rsplit(". ", 1)[-1][:40]
            questions.append(Question(turn["asks"], replies, turn["choices"], turn["multi"], title))
        return cls(questions)

    @property
    def summary(self) -> int:
        return next(i for i, q in enumerate(self.questions) if q.key == "summary.ask")

    def handler(self) -> ConversationHandler[Any]:
        text = filters.TEXT & ~filters.COMMAND
        keywords = MessageHandler(filters.Regex(KEYWORDS), self.keyword)
        states: dict[object, list[Any]] = {}
        for state in range(1, len(self.questions)):

            async def answer(update: Update, context: Any, state: int = state) -> int:
                return await self.answer(update, context, state)

            states[state] = [
                keywords,
                MessageHandler(text, answer),
                CallbackQueryHandler(answer),
            ]
        with warnings.catch_warnings():  # per_message=False with a CallbackQueryHandler: meant
            warnings.simplefilter("ignore", PTBUserWarning)
            return ConversationHandler(
                entry_points=[
                    MessageHandler(text, self.start),
                    CommandHandler("start", self.start),
                ],
                states=states,
                fallbacks=[keywords],
                persistent=True,
                name="orientation",
            )

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        context.user_data.clear()
        await self.ask(update, 0)
        return 1

    async def keyword(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        word = (update.effective_message.text or "").strip().lower()
        if word in ("aide", "help"):
            await update.effective_message.reply_text("AIDE : répondez avec un numéro.")
            return None  # stays where it was
        context.user_data.clear()
        await update.effective_message.reply_text("Tout est effacé. Au revoir.")
        return ConversationHandler.END

    async def answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, state: int) -> int:
        if update.callback_query is not None:
            await update.callback_query.answer()
            text = update.callback_query.data or ""
        else:
            text = update.effective_message.text or ""
        question = self.questions[state - 1]
        # The summary lists every answer: one line per question after consent.
        count = self.summary - 1 if state - 1 == self.summary else len(question.choices)
        picked = self.parse(text, count, question.multi)
        if picked is None:
            await update.effective_message.reply_text("Répondez avec un numéro de la liste.")
            await self.ask(update, state - 1, context)
            return state
        data = context.user_data
        data[question.key] = picked
        if question.key == "consent.ask" and picked == [2]:
            data.clear()
            await update.effective_message.reply_text("Merci. Écrivez-nous quand vous voulez.")
            return ConversationHandler.END
        if state - 1 == self.summary:
            if picked != [1]:  # a line of the summary: that question again
                data["correcting"] = True
                await self.ask(update, picked[0], context)
                return picked[0] + 1
            data.pop("correcting", None)
        elif data.get("correcting"):
            await self.ask(update, self.summary, context)
            return self.summary + 1
        await self.ask(update, state, context)
        return state + 1 if state + 1 < len(self.questions) else ConversationHandler.END

    @staticmethod
    def parse(text: str, count: int, multi: bool) -> list[int] | None:
        """The numbers given, each within 1..count; one only unless `multi`."""
        if not NUMBERS.fullmatch(text):
            return None
        numbers = sorted({int(n) for n in re.findall(r"\d+", text)})
        if not (multi or len(numbers) == 1):
            return None
        if any(not 1 <= n <= count for n in numbers):
            return None
        return numbers

    async def ask(self, update: Update, index: int, context: Any = None) -> None:
        message = update.effective_message
        if index == self.summary and context is not None:
            text, markup = self.summary_of(context.user_data)
            await message.reply_text(text, reply_markup=markup)
            return
        for text, markup in self.questions[index].replies:
            await message.reply_text(text, reply_markup=markup)

    def summary_of(self, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
        ours = self.questions[self.summary]
        header = ours.replies[-1][0].split("\n\n")[0]
        lines = [f"1. {ours.choices[0]}"]
        for number in range(2, self.summary):  # questions after language and consent
            question = self.questions[number]
            labels = [question.choices[n - 1] for n in data.get(question.key, [])]
            lines.append(f"{number}. {question.title}: {', '.join(labels)}")
        buttons = [
            [InlineKeyboardButton(line[:40], callback_data=line.split(".")[0])] for line in lines
        ]
        return f"{header}\n\n" + "\n".join(lines), InlineKeyboardMarkup(buttons)


def ptb_app() -> Starlette:
    """The PTB bot behind a Starlette webhook (PTB's customwebhookbot example, with
    `process_update` awaited in the route so that a 200 means the turn was answered).
    uvicorn factory; settings from the environment (see `ptb_environ`)."""
    script = json.loads(Path(os.environ["BENCH_PTB_SCRIPT"]).read_text())
    api = os.environ["TELEGRAM_API_BASE_URL"]
    persistence = PicklePersistence(filepath=os.environ["BENCH_PTB_PICKLE"])
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .persistence(persistence)
        .updater(None)
        .build()
    )
    application.add_handler(Orientation.from_script(script).handler())
    flush = os.environ.get("BENCH_PTB_FLUSH") == "1"
    secret = os.environ["TELEGRAM_WEBHOOK_SECRET"]

    async def webhook(request: Request) -> Response:
        if request.headers.get(SECRET_HEADER) != secret:
            return PlainTextResponse("Invalid secret token.", status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        if flush:
            await application.update_persistence()
        return Response()

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()

    routes = [
        Route(WEBHOOK_PATH, webhook, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def ptb_environ(script_path: Path, pickle_path: Path, api: str, flush: bool) -> dict[str, str]:
    return {
        "BENCH_PTB_SCRIPT": str(script_path),
        "BENCH_PTB_PICKLE": str(pickle_path),
        "BENCH_PTB_FLUSH": "1" if flush else "0",
        "TELEGRAM_API_BASE_URL": api,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "PTB_TIMEDELTA": "true",  # as bot/channels/telegram.py: no deprecation warnings
    }


# -- the load -------------------------------------------------------------------------


@dataclass
class Load:
    """What one window of load did."""

    answered: int = 0  # turns answered within the window
    seconds: float = 0.0
    turns_per_chat: dict[int, int] = field(default_factory=dict)  # every answered turn
    retries: int = 0  # non-200 answers or broken connections, posted again

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds


_update_ids = iter(range(1, 1 << 62))


def message_update(chat: int, text: str) -> bytes:
    """A private text message from person `chat`, as Telegram posts it."""
    person = {"id": chat, "is_bot": False, "first_name": "Bench"}
    update = {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "from": person,
            "text": text,
        },
    }
    return json.dumps(update).encode()


async def drive(port: int, chats: Iterator[int], window: float) -> Load:
    """CONCURRENCY chats at once for `window` seconds, each typing the orientation in
    order; a chat done, the next one starts. Turns answered after the window do not
    count; each worker stops after its request in flight."""
    turns = orientation_turns()
    headers = f"{SECRET_HEADER}: {TELEGRAM_WEBHOOK_SECRET}\r\n"
    load = Load()
    started = time.perf_counter()
    deadline = started + window

    async def worker() -> None:
        connection = LeanConnection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                chat = next(chats)
                load.turns_per_chat[chat] = 0
                for text in turns:
                    if time.perf_counter() >= deadline:
                        break
                    body = message_update(chat, text)
                    for attempt in range(10):
                        try:
                            status, _ = await asyncio.wait_for(
                                connection.post(WEBHOOK_PATH, body, headers), 30
                            )
                        except (OSError, asyncio.IncompleteReadError, TimeoutError):
                            connection.close()
                            status = 0
                        if status == 200:
                            break
                        load.retries += 1  # as Telegram does: the same update again
                        await asyncio.sleep(0.05 * (attempt + 1))
                    else:
                        raise RuntimeError(f"update refused 10 times (last: {status})")
                    load.turns_per_chat[chat] += 1
                    if time.perf_counter() <= deadline:
                        load.answered += 1
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    load.seconds = window
    return load


def measure(port: int, chats: Iterator[int], window: float) -> Load:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(drive(port, chats, window))


# -- the section ------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    first_chat: int
    pickle: Path | None = None
    throughputs: list[float] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    saved_during_runs: int = 0
    """Runs during which PTB's periodic save rewrote its pickle."""

    def measure(self, window: float) -> Load:
        """One window of load on this server, with new people (chat ids)."""
        first = self.first_chat + sum(len(load.turns_per_chat) for load in self.loads)
        saved = self._pickle_time()
        load = measure(self.port, iter(range(first, first + 10_000_000)), window)
        if self._pickle_time() != saved:
            self.saved_during_runs += 1
        self.loads.append(load)
        return load

    def _pickle_time(self) -> float | None:
        if self.pickle is None or not self.pickle.exists():
            return None
        return self.pickle.stat().st_mtime


def replies_check(fake: str, server: Server, per_turn: list[int]) -> tuple[int, int]:
    """(lost, extra): sendMessage calls the fake got for the server's chats against the
    replies of the turns answered (a turn's replies are all sent before its 200)."""
    sent = {int(k): v for k, v in httpx.get(f"{fake}/stats").json()["chats"].items()}
    lost = extra = 0
    for load in server.loads:
        for chat, turns in load.turns_per_chat.items():
            expected = sum(per_turn[:turns])
            got = sent.get(chat, 0)
            lost += max(0, expected - got)
            extra += max(0, got - expected)
    return lost, extra


def run(report: Report) -> None:
    script = our_script()
    per_turn = [len(turn["replies"]) for turn in script]
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orienta-tg-")))
        script_path = tmp / "script.json"
        script_path.write_text(json.dumps(script, ensure_ascii=False))

        fake_port = free_port()
        fake = f"http://127.0.0.1:{fake_port}"
        fake_env = {"FAKE_TELEGRAM_TOKEN": TELEGRAM_BOT_TOKEN}
        fake_process = stack.enter_context(
            spawn(uvicorn_args("bench.fake_telegram_server:app", fake_port), fake_env)
        )
        wait_http(f"{fake}/stats", process=fake_process)

        servers: list[Server] = []
        waits = []
        for index, (name, kind) in enumerate(
            [(OURS_SQLITE, "sqlite"), (OURS_POSTGRES, "postgresql"), (PTB, ""), (PTB_FLUSHED, "")]
        ):
            port = free_port()
            server = Server(name, port, first_chat=(index + 1) * 100_000_000)
            if kind:
                url = stack.enter_context(database(kind))
                var = tmp / kind
                env = environ(url, var, TELEGRAM_API_BASE_URL=fake)
                # bot.web:app, counting SQLite's lock waits (bench/lockwaits.py).
                args = uvicorn_args("bench.lockwaits:app", port, "--factory")
                process = stack.enter_context(spawn(args, env))
            else:
                server.pickle = tmp / f"ptb-{index}.pickle"
                env = ptb_environ(script_path, server.pickle, fake, flush=name == PTB_FLUSHED)
                args = uvicorn_args("bench.telegram:ptb_app", port, "--factory")
                process = stack.enter_context(spawn(args, env))
            servers.append(server)
            waits.append((f"http://127.0.0.1:{port}/health", process))
        for url, process in waits:
            wait_http(url, timeout=60, process=process)

        for server in servers:  # warm-up: imports, caches, connections to the fake
            server.measure(WARM_UP)
            server.saved_during_runs = 0
        ours = f"http://127.0.0.1:{servers[0].port}/bench/lock-waits"
        httpx.post(ours).raise_for_status()
        for run_index in range(RUNS):
            # Interleaved, in a rotating order: noise hits every server alike.
            shift = run_index % len(servers)
            for server in servers[shift:] + servers[:shift]:
                server.throughputs.append(server.measure(WINDOW).throughput)

        lock_waits = httpx.get(ours).json()
        checks = {server.name: replies_check(fake, server, per_turn) for server in servers}
        flushed = next(server for server in servers if server.name == PTB_FLUSHED)
        flushed_size = flushed.pickle.stat().st_size if flushed.pickle else 0

    by_name = {server.name: server for server in servers}
    ptb = by_name[PTB]
    report.add(Figure(SECTION, PTB, statistics.median(ptb.throughputs), "turns/s", ptb.throughputs))
    for name in (OURS_SQLITE, OURS_POSTGRES):
        server = by_name[name]
        figure = report.add(
            Figure(
                SECTION,
                name,
                statistics.median(server.throughputs),
                "turns/s",
                server.throughputs,
                baseline=PTB,
                target="≥ 1.0x PTB" if name == OURS_SQLITE else "",
            )
        )
        if name == OURS_SQLITE:
            figure.met = figure.ratio is not None and figure.ratio >= 1.0
    report.add(
        Figure(
            SECTION,
            PTB_FLUSHED,
            statistics.median(flushed.throughputs),
            "turns/s",
            flushed.throughputs,
            baseline=PTB,
        )
    )
    ours_lost = sum(sum(checks[name]) for name in (OURS_SQLITE, OURS_POSTGRES))
    report.add(
        Figure(
            SECTION,
            "Orienta replies lost or duplicated (all runs)",
            ours_lost,
            "replies",
            target="0",
            met=ours_lost == 0,
        )
    )
    report.add(
        Figure(
            SECTION,
            "SQLite lock waits during the runs, Orienta on SQLite",
            lock_waits["waits"],
            "waits",
            target="0",
            met=lock_waits["waits"] == 0,
        )
    )
    report.add(
        Figure(
            SECTION,
            "time waiting for SQLite's lock during the runs",
            lock_waits["waited_ms"],
            "ms",
        )
    )
    detail = ", ".join(
        f"{name.split(' (')[0]}: {lost} lost / {extra} extra"
        for name, (lost, extra) in checks.items()
    )
    retries = sum(load.retries for server in servers for load in server.loads)
    report.notes.append(
        f"Telegram: {CONCURRENCY} chats at once, {WINDOW:g} s per run, {len(script)} turns "
        f"({sum(per_turn)} replies) per orientation; sendMessage check: {detail}; "
        f"updates posted again after a non-200: {retries}."
    )
    report.notes.append(
        "Telegram durability: ours commits every turn (inbound, conversation state, the "
        "reply's outbox row) before sending the reply, and records it sent after; PostgreSQL "
        "fsyncs each commit, SQLite (WAL, synchronous=NORMAL) survives a crash of the process "
        "but may lose its last commits on power loss. PTB keeps conversations in memory: "
        "PicklePersistence saves every 60 s by default (update_interval), so a crash loses up "
        f"to a minute of conversations (its periodic save fell inside {ptb.saved_during_runs} "
        f"of the {RUNS} PTB runs). Saved after every update, it rewrites the whole pickle "
        f"({flushed_size / 1024:,.0f} KB by the end) in place, without fsync."
    )
