"""The `orienta` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.channels.registry import by_capability
from bot.errors import OrientaError
from bot.i18n.languages import codes, languages

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

    from admin.cli import admin_banner
    from bot.app import open_orienta
    from bot.web import create_app, enabled_channels

    orienta = open_orienta()
    on = enabled_channels(orienta)
    base_url = orienta.settings.public_base_url or f"http://{args.host}:{args.port}"
    print(
        "Orienta on http://{}:{} — channels: {}".format(
            args.host,
            args.port,
            ", ".join(f"{name} {'on' if active else 'off'}" for name, active in on.items()),
        )
    )
    if not any(on.values()):
        print("No channel is configured (see README, Settings); try `orienta chat` meanwhile.")
    print(admin_banner(orienta, base_url), flush=True)
    trusted = orienta.settings.trusted_proxies
    try:
        app = create_app(orienta, dispatcher=True, telegram_polling=args.telegram_polling)
        # Forwarded headers are believed from ORIENTA_TRUSTED_PROXIES only (the admin reads
        # them itself, admin/clients.py): uvicorn's own default trusts 127.0.0.1.
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="info",
            proxy_headers=False,
            forwarded_allow_ips=",".join(sorted(trusted)) or None,
        )
    finally:
        orienta.close()
    return 0


def _worker(_args: argparse.Namespace) -> int:
    import asyncio

    from bot.app import open_orienta
    from bot.scheduling.worker import run_worker

    orienta = open_orienta()
    try:
        asyncio.run(run_worker(orienta))
    finally:
        orienta.close()
    return 0


def _telegram_set_webhook(_args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.telegram.sender import set_webhook
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


def _sms_cost(args: argparse.Namespace) -> int:
    from bot.commands.sms_cost import format_report, measure

    chosen = [args.lang] if args.lang else list(codes())
    results = {lang: measure(lang, booking=args.booking) for lang in chosen}
    for line in format_report(results, verbose=not args.totals):
        print(line)
    return 0


def _i18n_update(_args: argparse.Namespace) -> int:
    from bot.i18n.catalogs import update_catalogs

    for path in update_catalogs():
        print(f"updated {path}")
    return 0


def _i18n_compile(_args: argparse.Namespace) -> int:
    from bot.i18n.catalogs import compile_catalogs

    problems = compile_catalogs()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s): those catalogs were not compiled.", file=sys.stderr)
        return 1
    print("Catalogs compiled (unreviewed translations included, stale drafts left out).")
    return 0


def _i18n_status(_args: argparse.Namespace) -> int:
    from bot.i18n.catalogs import LanguageStatus, language_status, load_template

    recorded = _recorded_shares()
    template = load_template()
    print(f"{'language':<16} {'translated':>10} {'reviewed':>9} {'voice':>7}")
    for record in languages():
        lang, name = record.code, record.name
        status = language_status(lang, template)
        done, total = recorded.get(lang, (0, 0))
        print(
            f"{lang + ' (' + name + ')':<16} "
            f"{LanguageStatus.percent(status.translated, status.total):>9.0f}% "
            f"{LanguageStatus.percent(status.reviewed, status.total):>8.0f}% "
            f"{LanguageStatus.percent(done, total):>6.0f}%"
        )
    total = language_status("fr", template).total
    print(
        f"{total} messages. translated: used by the bot (unreviewed "
        "included); reviewed: checked by a native speaker (not fuzzy); voice: recordings "
        "of the current French text."
    )
    return 0


def _recorded_shares() -> dict[str, tuple[int, int]]:
    """Per language, (recorded, recordable) voice prompts, from the configured database."""
    from bot.app import open_orienta
    from bot.voice.recordings import recorded_share

    orienta = open_orienta()
    try:
        with orienta.sessions() as session:
            return {lang: recorded_share(session, lang) for lang in codes()}
    finally:
        orienta.close()


def _seed_demo(args: argparse.Namespace) -> int:
    from bot.app import open_orienta
    from bot.booking.demo import remove_demo, seed_demo

    orienta = open_orienta()
    try:
        with orienta.sessions.begin() as session:
            if args.remove:
                print(f"Removed {remove_demo(session)} demo partner(s) and the demo stories.")
                return 0
            created = seed_demo(session, orienta.engine.clock(), orienta.settings.tz)
    finally:
        orienta.close()
    print(
        "Demo data (fictitious, marked démo): "
        + ", ".join(f"{n} {what}" for what, n in created.items())
        + " created."
    )
    return 0


def _partner_links(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import select

    from bot.app import open_orienta
    from bot.booking.referrals import links_for, write_qr
    from bot.storage.models import Partner

    orienta = open_orienta()
    try:
        with orienta.sessions() as session:
            partner = session.scalars(
                select(Partner).where(Partner.code == args.code.strip().upper())
            ).first()
            if partner is None:
                print(f"orienta: no partner has the code {args.code!r}.", file=sys.stderr)
                return 2
            links = links_for(partner, orienta.settings)
            name = partner.name
    finally:
        orienta.close()
    print(f"{name} — code {links.code}")
    print(f"  Telegram: {links.telegram or '(set TELEGRAM_BOT_USERNAME)'}")
    print(f"  WhatsApp: {links.whatsapp or '(set TWILIO_WHATSAPP_FROM)'}")
    print(f"  SMS:      {links.sms or '(set TWILIO_SMS_FROM)'}")
    if args.qr:
        content = links.best() or links.code
        write_qr(content, Path(args.qr))
        print(f"  QR code of {content} written to {args.qr}")
        if content == links.code:
            print(
                "orienta: the QR code holds only the code; for one that opens WhatsApp or "
                "Telegram, set TWILIO_WHATSAPP_FROM or TELEGRAM_BOT_USERNAME and run this again.",
                file=sys.stderr,
            )
    return 0


def _referrals(_args: argparse.Namespace) -> int:
    from bot.app import open_orienta
    from bot.booking.referrals import arrival_counts

    orienta = open_orienta()
    try:
        with orienta.sessions() as session:
            rows = arrival_counts(session)
    finally:
        orienta.close()
    print(f"{'code':<8} {'channel':<9} {'arrivals':>8}  partner")
    for code, name, channel, count in rows:
        print(f"{code:<8} {channel:<9} {count:>8}  {name}")
    print(f"{sum(r[3] for r in rows)} arrival(s) through a referral code.")
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
        choices=by_capability(people=True, simulated=False),
        default="sms",
        help="render replies as this channel would (default: sms)",
    )
    chat.add_argument(
        "--lang", choices=sorted(codes()), help="skip the language question for a new person"
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

    sms_cost = sub.add_parser(
        "sms-cost",
        help="SMS parts of each orientation step and of a complete orientation, per language",
    )
    sms_cost.add_argument("--lang", choices=sorted(codes()), help="one language only")
    sms_cost.add_argument("--totals", action="store_true", help="one line per language")
    sms_cost.add_argument(
        "--booking",
        action="store_true",
        help="what follows the orientation instead, with the demo partners: offers, a slot, "
        "the confirmation, RDV",
    )
    sms_cost.set_defaults(func=_sms_cost)

    i18n = sub.add_parser("i18n", help="translation catalogs: status, update, compile")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True)
    status = i18n_sub.add_parser(
        "status", help="per language: translated %%, reviewed %%, voice-recorded %%"
    )
    status.set_defaults(func=_i18n_status)
    update = i18n_sub.add_parser(
        "update", help="merge bot/locales/orienta.pot into every language's catalog"
    )
    update.set_defaults(func=_i18n_update)
    compile_ = i18n_sub.add_parser(
        "compile", help="check every catalog (placeholders, ids) and write the .mo files"
    )
    compile_.set_defaults(func=_i18n_compile)

    from bot.commands.audio import add_audio_parser

    add_audio_parser(sub)

    seed = sub.add_parser(
        "seed-demo",
        help="add fictitious demo partners, services, slots and stories (all 8 regions)",
    )
    seed.add_argument("--remove", action="store_true", help="delete the demo data instead")
    seed.set_defaults(func=_seed_demo)

    partner = sub.add_parser("partner", help="partners: referral links and QR codes")
    partner_sub = partner.add_subparsers(dest="partner_command", required=True)
    links = partner_sub.add_parser(
        "links", help="a partner's Telegram, WhatsApp and SMS referral links"
    )
    links.add_argument("code", help="the partner's referral code")
    links.add_argument("--qr", metavar="FILE", help="also write a QR code (.png or .svg)")
    links.set_defaults(func=_partner_links)

    referrals = sub.add_parser("referrals", help="arrivals through referral codes, by source")
    referrals.set_defaults(func=_referrals)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=_migrate)

    from admin.cli import add_admin_parsers

    add_admin_parsers(sub)
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
    except BrokenPipeError:  # `orienta audio missing ff | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
