"""Flow changes strand nobody: between two messages of a person, a release renames or
removes the step they are at, or the flow their conversation names; and a second flow
can hold a conversation. Never a 500, never an answer read against the wrong question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import Orienta, open_orienta
from bot.channels.layout import render_plain
from bot.errors import FlowDefinitionError
from bot.flows import ORIENTATION
from bot.flows.common import COMMON_STEPS
from bot.flows.model import Ask, Flow, FlowState, Option, Step
from bot.flows.registry import register, registered
from bot.i18n.translate import M
from bot.messaging import Inbound
from bot.settings import Settings
from bot.storage.models import Answer, Contact, Conversation
from bot.web import create_app
from tests.conftest import FakeClock
from tests.fakes.servers import http, serve

PHONE = "+224000000701"  # fictitious
TO_GENDER = ["bonjour", "1", "1", "2", "1"]  # French, consent, Boké, Boffa: "Vous êtes…"


def say(orienta: Orienta, text: str) -> str:
    replies = orienta.engine.handle(Inbound("sms", PHONE, text))
    return "\n\n".join(render_plain(r, "whatsapp") for r in replies)  # not folded to GSM-7


def conversation(orienta: Orienta) -> tuple[str | None, str | None]:
    with orienta.sessions() as session:
        row = session.scalars(select(Conversation)).one()
        return row.flow, row.step


def answers(orienta: Orienta) -> dict[str, object]:
    with orienta.sessions() as session:
        return {a.field: a.value for a in session.scalars(select(Answer))}


def release(renamed: dict[str, str] | None = None, removed: str | None = None) -> Flow:
    """The orientation as a later release would have it: the gender step renamed (and
    declared so), or a step removed."""
    steps = []
    for step in ORIENTATION.steps:
        if step.id == removed:
            continue
        if renamed and step.id in renamed:
            step = replace(step, id=renamed[step.id], store="gender")
        steps.append(step)
    replaced = {old: new for old, new in (renamed or {}).items()}
    return replace(ORIENTATION, steps=tuple(steps), replaced=replaced)


def test_a_renamed_step_goes_on_at_its_replacement(orienta: Orienta) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    assert conversation(orienta) == ("orientation", "gender")
    with registered(release(renamed={"gender": "gender_v2"})):
        reply = say(orienta, "1")  # "Une femme", to the same question under its new name
    assert "Quel âge avez-vous ?" in reply
    assert answers(orienta)["gender"] == "woman"
    assert conversation(orienta) == ("orientation", "age_band")


def test_a_removed_step_restarts_politely_at_the_nearest_safe_step(orienta: Orienta) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    with registered(release(removed="gender")):
        reply = say(orienta, "1")
        # Their "1" answered the question that is gone: not read as an age.
        assert "Re-bonjour ! Nous reprenons" in reply and "Quel âge avez-vous ?" in reply
        assert "age_band" not in answers(orienta)
        assert conversation(orienta) == ("orientation", "age_band")
        assert "Votre situation ?" in say(orienta, "3")  # and the orientation goes on
    assert answers(orienta)["age_band"] == "25_34"


def test_a_removed_step_waiting_in_a_queue_is_dropped(orienta: Orienta) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    with orienta.sessions.begin() as session:
        row = session.scalars(select(Conversation)).one()
        row.queue = ["gone_step", "age_band"]  # corrections queued by an earlier release
    assert "Quel âge avez-vous ?" in say(orienta, "1")
    assert answers(orienta)["gender"] == "woman"


def test_keywords_still_work_for_someone_whose_step_is_gone(orienta: Orienta) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    with registered(release(removed="gender")):
        assert "ne recevrez plus de messages" in say(orienta, "STOP")
    with orienta.sessions() as session:
        assert session.scalars(select(Contact)).one().opted_out_at is not None


def test_a_conversation_in_a_flow_that_no_longer_exists_goes_on_in_the_orientation(
    orienta: Orienta,
) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    with orienta.sessions.begin() as session:
        row = session.scalars(select(Conversation)).one()
        row.flow, row.step = "survey_2025", "q3"  # a flow of an earlier release
    reply = say(orienta, "2")
    assert "Nous reprenons" in reply and "Vous êtes" in reply
    assert conversation(orienta) == ("orientation", "gender")


SURVEY = Flow(
    "survey",
    steps=(
        Step(
            "training_useful",
            M("survey.useful", "La formation vous a-t-elle servi ?"),
            options=(
                Option("yes", M("survey.yes", "Oui")),
                Option("no", M("survey.no", "Non")),
            ),
            store="training_useful",
        ),
        Step("survey_end", M("survey.thanks", "Merci pour votre réponse !"), kind="end"),
    ),
    detached=COMMON_STEPS,
)


def test_a_second_flow_holds_a_conversation_of_its_own(orienta: Orienta, clock: FakeClock) -> None:
    for text in TO_GENDER:
        say(orienta, text)
    with registered(SURVEY):
        with orienta.sessions.begin() as session:
            contact = session.scalars(select(Contact)).one()
            state = FlowState(step="training_useful")
            queued = orienta.engine.push(
                session, contact, [Ask("training_useful")], "survey:1", clock(), state=state,
                flow="survey",
            )  # fmt: skip
        assert queued == 1
        assert conversation(orienta) == ("survey", "training_useful")
        assert "Merci pour votre réponse" in say(orienta, "oui")
        assert answers(orienta)["training_useful"] == "yes"
        assert "Voulez-vous vraiment effacer" in say(orienta, "EFFACER")  # keywords too
    assert "Aide : répondez" in say(orienta, "AIDE")  # the survey gone: back to orientation


def test_a_flow_without_the_steps_keywords_need_is_refused() -> None:
    bare = Flow("bare", steps=(Step("only", M("survey.thanks", "Merci"), kind="end"),))
    with pytest.raises(FlowDefinitionError, match="language, erase_confirm"):
        register(bare)


def test_a_replacement_must_be_a_step_of_the_flow() -> None:
    with pytest.raises(FlowDefinitionError, match="does not have"):
        replace(ORIENTATION, replaced={"gender_old": "nowhere"})


@pytest.fixture
def twilio_app(settings: Settings, clock: FakeClock) -> Iterator[tuple[str, Orienta]]:
    configured = replace(settings, twilio_auth_token="flow-test-token", public_base_url=PUBLIC)
    orienta = open_orienta(configured, clock=clock)
    with serve(create_app(orienta)) as url:
        yield url, orienta
    orienta.close()


PUBLIC = "https://orienta.example.org"


def test_through_the_webhook_a_stranded_person_gets_an_answer_not_a_500(
    twilio_app: tuple[str, Orienta],
) -> None:
    url, orienta = twilio_app

    def post(text: str, n: int) -> httpx.Response:
        form = {"MessageSid": f"SMflow{n}", "From": PHONE, "Body": text, "NumMedia": "0"}
        path = "/webhooks/twilio/sms"
        signature = RequestValidator("flow-test-token").compute_signature(PUBLIC + path, form)
        headers = {"X-Twilio-Signature": signature}
        return http.post(url + path, data=form, headers=headers, timeout=30)

    for n, text in enumerate(TO_GENDER):
        assert post(text, n).status_code == 200
    with registered(release(removed="gender")):
        response = post("1", 99)
    assert response.status_code == 200
    assert "Quel age avez-vous ?" in response.text  # by SMS, folded to GSM-7
    assert conversation(orienta) == ("orientation", "age_band")
