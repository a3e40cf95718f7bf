"""A doctor's reply shown to the patient (fetched from the hub for this conversation only, once) and
the patient's answer to an appointment (posted to the hub, told back), against the fake hub."""

from __future__ import annotations

from typing import Any

import pytest
from conversation_image import CONVERSATION_KEY
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.replies import NOTHING_TO_ANSWER, ActionAnswerAppointment, ActionDoctorReply, when
from qaid_contracts import binding

SENDER = "conv-1"
REPLY_ID = "rp_" + "ab" * 16


def _reply(conversation: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": REPLY_ID,
        "conversation_id": conversation,
        "hospital_id": "titan",
        "hospital_name": "Titan Demo Hospital",
        "kind": "appointment",
        "text": "Please come so we can examine you.",
        "appointment": {
            "at": "2026-12-10T09:30",
            "place": "Building B, room 12",
            "bring": "your MRI",
            "time_zone": "Europe/Bucharest",
        },  # fmt: skip
        "doctor": "Dr Ana Ionescu",
        "created_at": "2026-12-03T16:00:00+00:00",
        "answer": None,
        "answered_at": None,
        **kw,
    }


def _notice(reply_id: str = REPLY_ID, **kw: Any) -> Any:
    entities = [{"entity": "reply_id", "value": reply_id}]
    return make_tracker("", "EXTERNAL_doctor_reply", entities=entities, sender_id=SENDER, **kw)


@pytest.mark.asyncio
async def test_a_reply_is_shown_with_the_hospital_name_and_buttons_once(network, dispatcher):
    own = binding.conversation_id(CONVERSATION_KEY, SENDER)
    network.hub.replies[REPLY_ID] = _reply(own)
    events = await ActionDoctorReply().run(dispatcher, _notice(), {})
    [message] = dispatcher.messages
    assert message["text"] == (
        "Titan Demo Hospital replied (Dr Ana Ionescu): Please come so we can examine you.\n"
        "Appointment: Thursday 10 December 2026, 09:30 (Europe/Bucharest time, UTC+02:00), "
        "Building B, room 12.\nPlease bring: your MRI.\nWould you like to accept this appointment?"
    )
    assert [b["payload"] for b in message["buttons"]] == ["/accept_appointment", "/decline_appointment"]
    [shown] = slot_events(events)["doctor_replies"]
    assert shown["id"] == REPLY_ID and shown["answer"] is None
    assert (
        shown["when"] == "Thursday 10 December 2026, 09:30 (Europe/Bucharest time, UTC+02:00)"
    )  # the page's
    # the hub's notice again (a retry): not shown twice
    again = await ActionDoctorReply().run(dispatcher, _notice(slots={"doctor_replies": [shown]}), {})
    assert again == [] and len(dispatcher.messages) == 1


@pytest.mark.asyncio
async def test_a_reply_of_another_conversation_or_a_malformed_id_is_not_shown(network, dispatcher):
    other = binding.conversation_id(CONVERSATION_KEY, "someone-else")
    network.hub.replies[REPLY_ID] = _reply(other)  # the hub answers 404 for our conversation
    assert await ActionDoctorReply().run(dispatcher, _notice(), {}) == []
    assert await ActionDoctorReply().run(dispatcher, _notice("../admin"), {}) == []
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_the_patient_accepts_and_the_hub_is_told(network, dispatcher):
    own = binding.conversation_id(CONVERSATION_KEY, SENDER)
    network.hub.replies[REPLY_ID] = _reply(own)
    shown = slot_events(await ActionDoctorReply().run(dispatcher, _notice(), {}))["doctor_replies"]
    tracker = make_tracker(
        "/accept_appointment", "accept_appointment", {"doctor_replies": shown}, sender_id=SENDER
    )
    events = await ActionAnswerAppointment().run(dispatcher, tracker, {})
    assert network.hub.answers == [{"conversation_id": own, "answer": "accepted"}]
    assert texts(dispatcher)[-1] == (
        "Thank you. I've told Titan Demo Hospital that you accept the appointment on Thursday 10 "
        "December 2026, 09:30 (Europe/Bucharest time, UTC+02:00), Building B, room 12."
    )
    assert slot_events(events)["doctor_replies"][0]["answer"] == "accepted"
    # nothing left to answer: said plainly, nothing posted
    done = make_tracker("decline", "decline_appointment", slot_events(events), sender_id=SENDER)
    assert await ActionAnswerAppointment().run(dispatcher, done, {}) == []
    assert texts(dispatcher)[-1] == NOTHING_TO_ANSWER and len(network.hub.answers) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("intent", "answer"), [("affirm", "accepted"), ("deny", "declined")])
async def test_a_plain_yes_or_no_after_a_proposal_answers_it(network, dispatcher, intent, answer):
    own = binding.conversation_id(CONVERSATION_KEY, SENDER)
    network.hub.replies[REPLY_ID] = _reply(own)
    shown = slot_events(await ActionDoctorReply().run(dispatcher, _notice(), {}))["doctor_replies"]
    tracker = make_tracker("yes that works" if answer == "accepted" else "no", intent,
                           {"doctor_replies": shown}, sender_id=SENDER)  # fmt: skip
    events = await ActionAnswerAppointment().run(dispatcher, tracker, {})
    assert network.hub.answers == [{"conversation_id": own, "answer": answer}]
    assert slot_events(events)["doctor_replies"][0]["answer"] == answer


@pytest.mark.asyncio
@pytest.mark.parametrize(("intent", "response"), [("affirm", "utter_how_can_help"), ("deny", "utter_ok")])
async def test_a_plain_yes_or_no_after_a_message_is_just_that(network, dispatcher, intent, response):
    own = binding.conversation_id(CONVERSATION_KEY, SENDER)
    network.hub.replies[REPLY_ID] = _reply(own, kind="message", appointment=None)
    shown = slot_events(await ActionDoctorReply().run(dispatcher, _notice(), {}))["doctor_replies"]
    tracker = make_tracker("ok", intent, {"doctor_replies": shown}, sender_id=SENDER)
    assert await ActionAnswerAppointment().run(dispatcher, tracker, {}) == []
    assert dispatcher.messages[-1]["response"] == response and network.hub.answers == []


@pytest.mark.parametrize(
    ("appointment", "said"),
    [
        # the zone's offset on that day: summer time in Bucharest, half an hour behind in Newfoundland
        ({"at": "2026-07-08T10:30", "time_zone": "Europe/Bucharest"},
         "Wednesday 8 July 2026, 10:30 (Europe/Bucharest time, UTC+03:00)"),
        ({"at": "2026-12-08T10:30", "time_zone": "America/St_Johns"},
         "Tuesday 8 December 2026, 10:30 (America/St_Johns time, UTC-03:30)"),
        # an inbox older than the zone (null from the hub) or a reply shown before it (no key)
        ({"at": "2026-12-08T10:30", "time_zone": None},
         "Tuesday 8 December 2026, 10:30 (hospital's local time)"),
        ({"at": "2026-12-08T10:30"}, "Tuesday 8 December 2026, 10:30 (hospital's local time)"),
    ],
)  # fmt: skip
def test_the_time_is_said_in_words_with_its_zone(appointment: dict[str, Any], said: str) -> None:
    assert when(appointment) == said


@pytest.mark.asyncio
async def test_an_appointment_without_a_zone_is_shown_as_the_hospitals_local_time(network, dispatcher):
    own = binding.conversation_id(CONVERSATION_KEY, SENDER)
    older = {"at": "2026-12-10T09:30", "place": "Building B, room 12", "bring": "", "time_zone": None}
    network.hub.replies[REPLY_ID] = _reply(own, appointment=older)
    await ActionDoctorReply().run(dispatcher, _notice(), {})
    assert (
        "Appointment: Thursday 10 December 2026, 09:30 (hospital's local time), Building B, room 12."
        in (texts(dispatcher)[-1])
    )
