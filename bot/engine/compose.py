"""Composing replies: the flow's `Say` and `Ask` as `Outbound` messages in the person's
language, with the options of each question, and the recorded prompts for people who
listen rather than read.

Sentences said together go in one message; a question ends its message, with its
options as choices (the channel lays them out: bot/channels/layout.py). A `Say(alone=…)`
goes in a message of its own. Where the channel carries media and the person wants
voice, each message is preceded by the recordings of its texts (bot/voice/).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.booking.desk import BookingDesk
from bot.channels.registry import capabilities
from bot.engine.messages import HOTLINES, NO_HOTLINES
from bot.flows.model import Ask, Flow, FlowState, Say, Verbatim
from bot.flows.runner import label_text, options_for
from bot.flows.text import normalize
from bot.i18n.translate import translate
from bot.messaging import Choice, Outbound
from bot.settings import Settings
from bot.storage.models import Contact
from bot.voice.recordings import find_recordings

__all__ = ["Composer"]


class Composer:
    def __init__(self, settings: Settings, desk: BookingDesk) -> None:
        self.settings = settings
        self.desk = desk

    def hotlines(self, lang: str, region: object = None) -> str:
        """The numbers that serve the person's region (the region's own first), or
        where to go when there are none."""
        where = normalize(region).replace(" ", "") if isinstance(region, str) else None
        found = sorted(
            (
                h
                for h in self.settings.hotlines
                if h.region is None or normalize(h.region).replace(" ", "") == where
            ),
            key=lambda h: h.region is None,
        )
        if not found:
            return translate(NO_HOTLINES, lang)
        numbers = " ; ".join(f"{h.label} {h.number}" for h in found)
        return translate(HOTLINES, lang, numbers=numbers)

    def compose(
        self,
        session: Session,
        contact: Contact,
        flow: Flow,
        state: FlowState | None,
        replies: list[Say | Ask],
        channel: str,
        address: str,
        now: datetime,
        *,
        erased: bool = False,
    ) -> list[Outbound]:
        """`replies` as messages to `address` on `channel`. Composing a question whose
        options come from the database (slots) remembers, in `state`, what was shown."""
        lang = contact.language or "fr"  # still known in memory after an erasure
        answers = state.answers if state else {}
        common = {"hotlines": self.hotlines(lang, answers.get("region"))}
        outbounds: list[Outbound] = []
        texts: list[str] = []
        ids: list[str] = []
        french: dict[str, str] = {}  # message id → French text, to find its recordings

        def flush(
            choices: tuple[Choice, ...] = (), multi: bool = False, ask_phone: bool = False
        ) -> None:
            if texts:
                outbounds.append(
                    Outbound(
                        channel=channel,
                        address=address,
                        text="\n\n".join(texts),
                        choices=choices,
                        multi=multi,
                        message_ids=tuple(ids),
                        language=lang,
                        ask_phone=ask_phone,
                    )
                )
            texts.clear()
            ids.clear()

        for reply in replies:
            if isinstance(reply, Say):
                if reply.alone:
                    flush()
                if isinstance(reply.msg, Verbatim):
                    texts.append(reply.msg.text)  # a person's own words: as written
                else:
                    texts.append(translate(reply.msg, lang, **{**common, **dict(reply.params)}))
                    ids.append(reply.msg.id)
                    french[reply.msg.id] = reply.msg.text
                if reply.alone:
                    flush(ask_phone=reply.ask_phone)
                continue
            step = flow.step(reply.step)
            prompt = reply.prompt or step.prompt
            texts.append(translate(prompt, lang, **common))
            ids.append(prompt.id)
            french[prompt.id] = prompt.text
            if step.hint is not None:
                texts.append(translate(step.hint, lang))
                ids.append(step.hint.id)
                french[step.hint.id] = step.hint.text
            dynamic = None
            if step.source is not None and state is not None and not erased:
                dynamic = self.desk.options(session, contact, step, state, now, True)
            options = options_for(flow, step, answers, lang, dynamic)
            choices = tuple(
                Choice(n, o.key, label_text(o, lang)) for n, o in enumerate(options, start=1)
            )
            flush(choices, multi=step.kind == "multi")
        flush()
        if capabilities(channel).media and not erased and self.wants_voice(contact):
            return self._with_voice(session, outbounds, lang, french)
        return outbounds

    def wants_voice(self, contact: Contact) -> bool:
        if contact.voice is not None:
            return contact.voice
        return (contact.language or "fr") in self.settings.oral_first_languages

    def _with_voice(
        self, session: Session, outbounds: list[Outbound], lang: str, french: dict[str, str]
    ) -> list[Outbound]:
        """Each reply preceded by the recordings of its messages, one media-only message
        each (WhatsApp sends no caption with audio); no recording, text only."""
        found = find_recordings(session, lang, french.items())
        if not found:
            return outbounds
        base = self.settings.public_base_url
        result: list[Outbound] = []
        for outbound in outbounds:
            for message_id in outbound.message_ids:
                if message_id in found:
                    result.append(
                        replace(
                            outbound,
                            text="",
                            choices=(),
                            multi=False,
                            message_ids=(message_id,),
                            ask_phone=False,
                            important=False,
                            media=(base + found[message_id].path(),),
                        )
                    )
            result.append(outbound)
        return result
