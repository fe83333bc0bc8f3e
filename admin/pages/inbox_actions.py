"""What staff do with an entry of the inbox: take a help episode, answer the person in
their own words, hand back to the bot, close with an outcome (bot/engine/help.py, in
the page's transaction), and mark a "stuck" flag handled. Each writes its audit row:
`help.take`, `help.reply` (never the text), `help.hand_back`, `help.close` (the
outcome), `flag.resolve`.

Two taking at once: one wins (help.take is one UPDATE on the row); the other is shown
who has it. A reply goes out through the outbox's one writer, on the channel the person
last wrote from; when policy forbids writing (STOP, a number they said is not safe) or
there is nowhere to write, nothing is kept of it and the page says why.

    POST /inbox/{episode_id}/take
    POST /inbox/{episode_id}/reply        text
    POST /inbox/{episode_id}/hand-back
    POST /inbox/{episode_id}/close        outcome: reached | referred | no_answer | not_needed
    POST /inbox/flags/{flag_id}/resolve
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from admin.access import Permission
from admin.i18n import gettext_
from admin.pages.inbox import episode_of, render_episode, where_replies_go
from admin.queue import INBOX_FLAGS
from admin.routing import NotFound, PageContext, page
from bot.engine import help as episodes
from bot.errors import HelpStateError
from bot.storage.models import Contact, Flag, HelpEpisode, StaffUser

__all__ = ["MAX_REPLY"]

MAX_REPLY = 1000
"""Characters of one reply at most (an SMS of that length goes in several parts)."""


def _audit(
    ctx: PageContext, action: str, episode: HelpEpisode, contact: Contact, **after: object
) -> None:
    ctx.audit(
        action,
        target_type="help_episode",
        target=str(episode.id),
        after={"person": contact.public_id, **after},
    )


def _refused(
    ctx: PageContext, episode: HelpEpisode, contact: Contact, error: str, text: str = ""
) -> Response:
    """The episode's page as it now is, with why the action did not happen."""
    ctx.db_session.refresh(episode)
    return render_episode(ctx, episode, contact, error=error, text=text, status=409)


def _who_has_it(ctx: PageContext, episode: HelpEpisode) -> str:
    """Why staff cannot act on `episode`, as it is now (another may have just taken it)."""
    ctx.db_session.refresh(episode)
    if episode.state == "closed":
        return gettext_("Cette demande est close.")
    if episode.state != "taken":
        return gettext_("Prenez d'abord cette demande.")
    if episode.taken_by == ctx.actor:
        return ""
    email = ctx.db_session.scalar(
        select(StaffUser.email).where(StaffUser.public_id == episode.taken_by)
    )
    return gettext_(
        "Une autre personne de l'équipe a déjà pris cette demande : %(who)s, depuis le %(when)s."
    ) % {"who": email or "—", "when": ctx.when(episode.taken_at)}


@page("/inbox/{episode_id}/take", Permission.ANSWER_HELP, methods=("POST",))
def take(ctx: PageContext) -> Response:
    episode, contact = episode_of(ctx)
    if episode.state == "taken" and episode.taken_by == ctx.actor:
        return ctx.redirect(f"/inbox/{episode.id}")  # sent twice: it is theirs already
    if not episodes.take(ctx.db_session, episode.id, ctx.actor, ctx.now):
        return _refused(ctx, episode, contact, _who_has_it(ctx, episode))
    _audit(ctx, "help.take", episode, contact)
    return ctx.redirect(f"/inbox/{episode.id}", notice="help_taken")


@page("/inbox/{episode_id}/reply", Permission.ANSWER_HELP, methods=("POST",))
def reply(ctx: PageContext) -> Response:
    episode, contact = episode_of(ctx)
    assert ctx.form_data is not None
    text = str(ctx.form_data.get("text") or "").strip()
    if not text:
        return render_episode(
            ctx, episode, contact, error=gettext_("Écrivez votre réponse."), status=400
        )
    if len(text) > MAX_REPLY:
        return render_episode(
            ctx,
            episode,
            contact,
            error=gettext_("Réponse trop longue : %(n)s caractères au plus.") % {"n": MAX_REPLY},
            text=text,
            status=400,
        )
    session = ctx.db_session
    attempt = session.begin_nested()  # nothing of a reply that cannot go is kept
    try:
        queued = episodes.reply(
            ctx.state.orienta.engine, session, episode.id, ctx.actor, text, ctx.now
        )
    except HelpStateError:
        attempt.rollback()
        return _refused(ctx, episode, contact, _who_has_it(ctx, episode), text)
    if queued == 0:
        attempt.rollback()
        return _refused(
            ctx,
            episode,
            contact,
            gettext_("Orienta ne peut pas écrire à cette personne : la réponse n'est pas partie.")
            + " "
            + _why_not(ctx, episode, contact),
            text,
        )
    attempt.commit()
    _audit(ctx, "help.reply", episode, contact, messages=queued)
    return ctx.redirect(f"/inbox/{episode.id}", notice="help_replied")


def _why_not(ctx: PageContext, episode: HelpEpisode, contact: Contact) -> str:
    return where_replies_go(ctx.db_session, contact, episode)[1]


@page("/inbox/{episode_id}/hand-back", Permission.ANSWER_HELP, methods=("POST",))
def hand_back(ctx: PageContext) -> Response:
    episode, contact = episode_of(ctx)
    try:
        episodes.hand_back(ctx.state.orienta.engine, ctx.db_session, episode.id, ctx.actor, ctx.now)
    except HelpStateError:
        return _refused(ctx, episode, contact, _who_has_it(ctx, episode))
    _audit(ctx, "help.hand_back", episode, contact)
    return ctx.redirect(f"/inbox/{episode.id}", notice="help_handed_back")


@page("/inbox/{episode_id}/close", Permission.ANSWER_HELP, methods=("POST",))
def close(ctx: PageContext) -> Response:
    episode, contact = episode_of(ctx)
    assert ctx.form_data is not None
    outcome = str(ctx.form_data.get("outcome") or "")
    if outcome not in episodes.OUTCOMES:
        return render_episode(
            ctx, episode, contact, error=gettext_("Choisissez ce qu'il en est advenu."), status=400
        )
    before = episode.state
    try:
        episodes.close(ctx.db_session, episode.id, ctx.actor, outcome, ctx.now)
    except HelpStateError:
        return _refused(ctx, episode, contact, _who_has_it(ctx, episode))
    _audit(ctx, "help.close", episode, contact, outcome=outcome, was=before)
    return ctx.redirect("/inbox", notice="help_closed")


@page("/inbox/flags/{flag_id}/resolve", Permission.ANSWER_HELP, methods=("POST",))
def resolve_flag(ctx: PageContext) -> Response:
    raw = str(ctx.request.path_params.get("flag_id", ""))
    found = raw.isdigit() and len(raw) <= 12
    flag = ctx.db_session.get(Flag, int(raw), with_for_update=True) if found else None
    if flag is None or flag.kind not in INBOX_FLAGS:
        raise NotFound
    if flag.resolved_at is None:
        flag.resolved_at = ctx.now
        contact = ctx.db_session.get(Contact, flag.contact_id)
        ctx.audit(
            "flag.resolve",
            target_type="flag",
            target=str(flag.id),
            after={"kind": flag.kind, "person": contact.public_id if contact else None},
        )
    return ctx.redirect("/inbox", notice="flag_resolved")
