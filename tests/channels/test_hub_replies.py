"""A doctor's reply through the bot's hub channel (channels.hub) inside the real Rasa server: only a
signed notice for an existing conversation is taken; the reply goes out on the channel the patient
used (Telegram here, socket.io live), the patient accepts with a button and the hub is told."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import pytest
from bot_server import Server, socket_session
from channel_fakes import BOT_WEBHOOK_SECRET, CONVERSATION_KEY, TELEGRAM_SECRET

from qaid_contracts import binding, signing

HOOK = "/webhooks/hub/webhook"
_ids = itertools.count(int(time.time()) % 100000 * 1000 + 500)


def _reply_for(server: Server, sender: str) -> str:
    reply_id = f"rp_{next(_ids):032x}"
    server.platforms.hub_replies[reply_id] = {
        "id": reply_id,
        "conversation_id": binding.conversation_id(CONVERSATION_KEY, sender),
        "hospital_id": "titan",
        "hospital_name": "Titan Demo Hospital",
        "kind": "appointment",
        "text": "Please come so we can examine you.",
        "appointment": {
            "at": "2026-12-10T09:30",
            "place": "Building B, room 12",
            "bring": "",
            "time_zone": "Europe/Bucharest",
        },  # fmt: skip
        "doctor": "Dr Ana Ionescu",
        "created_at": "2026-12-03T16:00:00+00:00",
        "answer": None,
        "answered_at": None,
    }
    return reply_id


def _notify(server: Server, sender: str, reply_id: str, secret: str = BOT_WEBHOOK_SECRET, **kw: Any):
    event = {"type": "reply.available", "timestamp": "2026-12-03T16:00:00+00:00",
             "data": {"reply_id": reply_id, "sender": sender}, **kw}  # fmt: skip
    body = json.dumps(event).encode()
    return server.post(HOOK, data=body, headers=signing.headers(f"msg_{reply_id}", secret, body))


def _telegram(server: Server, update: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert (
        server.post("/webhooks/telegram/webhook", data=json.dumps(update), headers=headers).status_code == 200
    )


def _user(chat: int) -> dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": "Ana"}


def _message(chat: int, text: str) -> dict[str, Any]:
    message = {"message_id": next(_ids), "date": int(time.time()), "text": text, "from": _user(chat),
               "chat": {"id": chat, "type": "private"}}  # fmt: skip
    return {"update_id": next(_ids), "message": message}


def _button(chat: int, data: str) -> dict[str, Any]:
    shown = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"}}
    query = {
        "id": f"cq-{next(_ids)}",
        "data": data,
        "chat_instance": "1",
        "from": _user(chat),
        "message": shown,
    }
    return {"update_id": next(_ids), "callback_query": query}


def _sent(server: Server, chat: int) -> list[dict[str, Any]]:
    return [c.data for c in server.platforms.find("telegram", "sendMessage", chat_id=chat)]


def test_a_reply_reaches_a_telegram_patient_who_accepts_it(server: Server) -> None:
    chat = 8_000_000 + next(_ids)
    _telegram(server, _message(chat, "hello"))
    server.platforms.wait(lambda: _sent(server, chat))
    reply_id = _reply_for(server, str(chat))
    r = _notify(server, str(chat), reply_id)
    assert r.status_code == 200 and r.json() == {"status": "shown", "reply_id": reply_id}
    [shown] = [m for m in _sent(server, chat) if "replied" in str(m.get("text"))]
    assert str(shown["text"]).startswith("Titan Demo Hospital replied (Dr Ana Ionescu): Please come")
    keys = [k["callback_data"] for row in shown["reply_markup"]["inline_keyboard"] for k in row]
    assert keys == ["/accept_appointment", "/decline_appointment"]
    # the hub retries a notice whose answer it missed: shown once
    assert _notify(server, str(chat), reply_id).status_code == 200
    assert len([m for m in _sent(server, chat) if "replied" in str(m.get("text"))]) == 1

    _telegram(server, _button(chat, "/accept_appointment"))
    told = server.platforms.wait(
        lambda: [m for m in _sent(server, chat) if "I've told" in str(m.get("text"))]
    )
    assert (
        "that you accept the appointment on Thursday 10 December 2026, 09:30 (Europe/Bucharest time"
        in (told[0]["text"])
    )
    own = binding.conversation_id(CONVERSATION_KEY, str(chat))
    assert [c.data for c in server.platforms.find("hub", "answer")][-1] == {
        "conversation_id": own,
        "answer": "accepted",
    }


def test_a_reply_reaches_the_open_web_chat_live(server: Server) -> None:
    async def talk() -> list[str]:
        async with socket_session(server.socket_url) as (client, got):
            await client.emit("user_uttered", {"message": "hello", "session_id": client.session_id})
            for _ in range(100):
                if got:
                    break
                await asyncio.sleep(0.1)
            reply_id = _reply_for(server, client.session_id)
            r = await asyncio.to_thread(_notify, server, client.session_id, reply_id)
            assert r.status_code == 200, r.text
            for _ in range(100):
                if any("replied" in t for t in got):
                    break
                await asyncio.sleep(0.1)
            return got

    assert any(t.startswith("Titan Demo Hospital replied") for t in asyncio.run(talk()))


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"secret": "whsec_" + "b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmch"}, 401, "invalid_signature"),
        ({"type": "reply.created"}, 422, "unsupported_event"),
        ({"reply_id": "../admin"}, 422, "invalid_event"),
        ({}, 410, "conversation_gone"),  # correctly signed, but no such conversation
    ],
)
def test_only_a_signed_notice_for_an_existing_conversation_is_taken(
    server: Server, change: dict[str, str], status: int, code: str
) -> None:
    sender = f"never-seen-{next(_ids)}"  # fresh per case: reading a tracker back (below) creates it
    reply_id = change.get("reply_id", _reply_for(server, sender))
    extra = {"type": change["type"]} if "type" in change else {}
    r = _notify(server, sender, reply_id, change.get("secret", BOT_WEBHOOK_SECRET), **extra)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert server.user_events(sender) == []  # nothing was triggered in any conversation


def test_a_reply_that_came_while_the_page_was_closed_is_sent_on_resume(server: Server) -> None:
    import socketio

    async def visit(session: str | None, say: str | None) -> tuple[str, list[dict[str, Any]]]:
        got: list[dict[str, Any]] = []
        confirmed: list[str] = []
        client = socketio.AsyncClient()
        client.on("bot_uttered", got.append)
        client.on("session_confirm", confirmed.append)
        await client.connect(server.socket_url, socketio_path="/socket.io", transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": session})
            for _ in range(100):
                if confirmed:
                    break
                await asyncio.sleep(0.1)
            if say is not None:
                await client.emit("user_uttered", {"message": say, "session_id": confirmed[0]})
            for _ in range(100):
                if got:
                    break
                await asyncio.sleep(0.1)
        finally:
            await client.disconnect()
        return confirmed[0], got

    session, _ = asyncio.run(visit(None, "hello"))
    reply_id = _reply_for(server, session)
    assert _notify(server, session, reply_id).status_code == 200  # shown in the tracker, no page open
    again, got = asyncio.run(visit(session, None))
    assert again == session
    [missed] = [m["doctor_replies"] for m in got if "doctor_replies" in m]
    assert [r["id"] for r in missed] == [reply_id] and missed[0]["hospital_name"] == "Titan Demo Hospital"


def test_a_reply_reaches_a_slack_patient_in_their_direct_messages(server: Server) -> None:
    from test_slack import _event, _post

    user = f"U{next(_ids)}"
    assert _post(server, _event(user, "hello")).status_code == 200
    server.platforms.wait(lambda: server.platforms.find("slack", "chat.postMessage", channel="D" + user[1:]))
    reply_id = _reply_for(server, user)
    assert _notify(server, user, reply_id).status_code == 200
    # the conversation is the user's (granularity "sender"): the reply goes to them directly
    posted = server.platforms.wait(
        lambda: [
            c.data for c in server.platforms.find("slack", "chat.postMessage") if "replied" in str(c.data)
        ]
    )
    assert posted[0]["channel"] == user and str(posted[0]["text"]).startswith("Titan Demo Hospital replied")
