"""The appointment form: validation of name / phone / e-mail, consent naming the hospitals."""

from __future__ import annotations

import pytest
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.appointment import (
    INACTIVITY_INTENT,
    ActionAskConsent,
    ActionAskContact,
    ActionAskContactName,
    ActionSubmitAppointment,
    ValidateAppointmentForm,
    clean_name,
    parse_email,
    parse_phone,
)


@pytest.mark.parametrize(
    "text,name",
    [
        ("Ana Popescu", "Ana Popescu"),
        ("my name is ana popescu", "Ana Popescu"),
        ("I'm Ion", "Ion"),
        ("it's Jean-Luc O'Neill", "Jean-Luc O'Neill"),
        ("Ștefan Ionescu", "Ștefan Ionescu"),
        ("  maria  ", "Maria"),
    ],
)
def test_names(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize(
    "text", ["", "a", "/share_image", "ana@example.com", "0721 234 567", "x" * 90, "???"]
)
def test_not_names(text):
    assert clean_name(text) is None


@pytest.mark.parametrize(
    "text,email",
    [
        ("ana@example.com", "ana@example.com"),
        ("it's Ana.Pop+clinic@Mail.example.ro", "ana.pop+clinic@mail.example.ro"),
        ("ana@example", None),
        ("@example.com", None),
        ("ana at example dot com", None),
    ],
)
def test_emails(text, email):
    assert parse_email(text) == email


@pytest.mark.parametrize(
    "text,phone",
    [
        ("+40 721 234 567", "+40721234567"),
        ("0721-234-567", "0721234567"),
        ("call me at (021) 312 4567", "0213124567"),
        ("123", None),
        ("12345678901234567890", None),
        ("no phone", None),
    ],
)
def test_phones(text, phone):
    assert parse_phone(text) == phone


def test_validate_name(dispatcher):
    form = ValidateAppointmentForm()
    assert form.validate_contact_name("my name is ana", dispatcher, make_tracker(), {}) == {
        "contact_name": "Ana"
    }
    assert form.validate_contact_name("12345", dispatcher, make_tracker(), {}) == {"contact_name": None}
    assert "doesn't look like a name" in texts(dispatcher)[0]


def test_validate_contact(dispatcher):
    form = ValidateAppointmentForm()
    assert form.validate_contact("ana@example.com", dispatcher, make_tracker(), {}) == {
        "contact": "ana@example.com",
        "contact_email": "ana@example.com",
        "contact_phone": None,
    }
    assert form.validate_contact("+40 721 234 567", dispatcher, make_tracker(), {}) == {
        "contact": "+40721234567",
        "contact_email": None,
        "contact_phone": "+40721234567",
    }
    assert dispatcher.messages == []
    assert form.validate_contact("tomorrow", dispatcher, make_tracker(), {}) == {"contact": None}
    assert "phone number or an e-mail" in texts(dispatcher)[0]


def test_validate_consent(dispatcher):
    form = ValidateAppointmentForm()
    tracker = make_tracker(slots={"consent_hospitals": [{"id": "cismigiu", "name": "C"}]})
    yes = form.validate_consent(True, dispatcher, tracker, {})
    assert yes["consent"] is True and yes["consent_at"]
    # a yes with nobody to send to is no consent
    assert form.validate_consent(True, dispatcher, make_tracker(), {})["consent"] is False
    assert form.validate_consent(False, dispatcher, make_tracker(), {}) == {
        "consent": False,
        "consent_at": None,
    }


@pytest.mark.asyncio
async def test_ask_actions(dispatcher):
    await ActionAskContactName().run(dispatcher, make_tracker(), {})
    await ActionAskContact().run(dispatcher, make_tracker(), {})
    assert "What is your name?" in texts(dispatcher)[0]
    assert "phone number or an e-mail" in texts(dispatcher)[1]


@pytest.mark.asyncio
async def test_consent_names_the_hospitals_able_to_read_the_image(dispatcher):
    image = {
        "url": "u",
        "topic": "brain_mri",
        "able": [
            {"id": "herastrau", "name": "Herastrau Demo Hospital"},
            {"id": "cismigiu", "name": "Cismigiu Demo Hospital"},
        ],
    }
    events = await ActionAskConsent().run(dispatcher, make_tracker(slots={"image": image}), {})
    [msg] = dispatcher.messages
    assert "Herastrau Demo Hospital and Cismigiu Demo Hospital" in msg["text"]
    assert "yes or no" in msg["text"]
    assert [b["payload"] for b in msg["buttons"]] == ["/affirm", "/deny"]
    slots = slot_events(events)
    assert [h["id"] for h in slots["consent_hospitals"]] == ["herastrau", "cismigiu"]
    assert slots["consent_statement"] in msg["text"]


@pytest.mark.asyncio
async def test_consent_without_image_names_the_nearby_hospitals(network, dispatcher):
    events = await ActionAskConsent().run(dispatcher, make_tracker(), {})
    assert [h["id"] for h in slot_events(events)["consent_hospitals"]] == ["herastrau", "cismigiu", "titan"]
    assert "Titan Demo Hospital" in texts(dispatcher)[0]


@pytest.mark.asyncio
async def test_consent_when_the_directory_is_down(env, dispatcher):
    env.setenv("QAID_HUB_URL", "http://127.0.0.1:9")
    events = await ActionAskConsent().run(dispatcher, make_tracker(), {})
    assert slot_events(events)["consent_hospitals"] == []
    assert "couldn't find" in texts(dispatcher)[0]


@pytest.mark.asyncio
async def test_submit_with_consent_schedules_the_inactivity_reminder(dispatcher):
    slots = {
        "consent": True,
        "contact_name": "Ana",
        "contact": "ana@example.com",
        "consent_hospitals": [{"id": "cismigiu", "name": "Cismigiu Demo Hospital"}],
    }
    events = await ActionSubmitAppointment().run(dispatcher, make_tracker(slots=slots), {})
    text = texts(dispatcher)[0]
    assert "Thank you, Ana" in text and "Cismigiu Demo Hospital" in text and "ana@example.com" in text
    [reminder] = events
    assert reminder["event"] == "reminder" and reminder["intent"] == INACTIVITY_INTENT
    assert reminder["kill_on_user_msg"] is False


@pytest.mark.asyncio
async def test_submit_without_consent(dispatcher):
    events = await ActionSubmitAppointment().run(dispatcher, make_tracker(slots={"consent": False}), {})
    assert events == [] and "nothing from this conversation will be shared" in texts(dispatcher)[0]
