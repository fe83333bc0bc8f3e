"""The `orienta` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.errors import OrientaError
from bot.i18n import LANGUAGES
from bot.types import CHANNELS

__all__ = ["main"]


def _chat(args: argparse.Namespace) -> int:
    from bot.app import open_orienta
    from bot.channels.console import run_chat

    orienta = open_orienta()
    try:
        run_chat(orienta.engine, channel=args.channel, user=args.user, language=args.lang)
    finally:
        orienta.close()
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from bot.storage.db import make_engine, migrate

    settings = load_settings()
    database = make_engine(settings.database_url)
    migrate(database)
    database.dispose()
    print(f"Database is up to date: {database.url.render_as_string(hide_password=True)}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import open_orienta
    from bot.web import create_app, enabled_channels

    orienta = open_orienta()
    on = enabled_channels(orienta)
    print(
        "Orienta on http://{}:{} — channels: {}".format(
            args.host,
            args.port,
            ", ".join(f"{name} {'on' if active else 'off'}" for name, active in on.items()),
        )
    )
    if not any(on.values()):
        print("No channel is configured (see README, Settings); try `orienta chat` meanwhile.")
    try:
        app = create_app(orienta, dispatcher=True, telegram_polling=args.telegram_polling)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    finally:
        orienta.close()
    return 0


def _worker(_args: argparse.Namespace) -> int:
    import asyncio

    from bot.app import open_orienta
    from bot.worker import run_worker

    orienta = open_orienta()
    try:
        asyncio.run(run_worker(orienta))
    finally:
        orienta.close()
    return 0


def _telegram_set_webhook(_args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.telegram import set_webhook
    from bot.settings import load_settings

    s = load_settings()
    asyncio.run(
        set_webhook(
            s.telegram_bot_token,
            s.public_base_url,
            s.telegram_webhook_secret,
            s.telegram_api_base_url,
        )
    )
    print(f"Telegram will post updates to {s.public_base_url}/webhooks/telegram")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orienta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser(
        "chat",
        help="talk to the bot in the terminal, as a returnee would on a phone",
        description="Talk to Orienta in the terminal. With stdin redirected, reads one "
        "message per line and prints each reply.",
    )
    chat.add_argument(
        "--channel",
        choices=[c for c in CHANNELS if c != "console"],
        default="sms",
        help="render replies as this channel would (default: sms)",
    )
    chat.add_argument(
        "--lang", choices=sorted(LANGUAGES), help="skip the language question for a new person"
    )
    chat.add_argument(
        "--user",
        help="who you are (default: 'console' at a terminal, a new person for each scripted run)",
    )
    chat.set_defaults(func=_chat)

    serve = sub.add_parser("serve", help="run the web app: provider webhooks and health check")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--telegram-polling",
        action="store_true",
        help="fetch Telegram updates instead of a webhook (no public URL needed; "
        "TELEGRAM_BOT_TOKEN is enough)",
    )
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="send queued messages (the outbox dispatcher)")
    worker.set_defaults(func=_worker)

    telegram = sub.add_parser("telegram", help="Telegram bot administration")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    hook = telegram_sub.add_parser(
        "set-webhook",
        help="register {PUBLIC_BASE_URL}/webhooks/telegram with TELEGRAM_WEBHOOK_SECRET",
    )
    hook.set_defaults(func=_telegram_set_webhook)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs request URLs at INFO, and the Bot API's carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except OrientaError as exc:
        print(f"orienta: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
