"""Oversized, malformed and mistyped messages on every chat channel of the real Rasa server: REST and
socket.io (the web chat, channels.web), Telegram and Slack. Each gets a clear 4xx (or, where the
platform would redeliver a 4xx, a polite answer in the chat); nothing answers 500, and the channel
goes on serving the next message."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode

from bot_server import Server, socket_session
from channel_fakes import TELEGRAM_SECRET
from test_slack import _event, _post, _posted, _signed_headers, _user
from test_telegram import _chat, _send, _texts, _update

from qaid_bot.channels.common import MAX_TEXT_CHARS, TOO_LONG

REST = "/webhooks/rest/webhook"
LONG = "lesion " * (MAX_TEXT_CHARS // 7 + 1)  # just over the limit


def _rest_error(server: Server, body: bytes | str, ctype: str = "application/json") -> tuple[int, str]:
    r = server.post(REST, data=body, headers={"Content-Type": ctype})
    return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else ""


def test_rest_refuses_malformed_and_oversized_messages_with_clear_errors(server: Server) -> None:
    assert _rest_error(server, b"{not json") == (400, "malformed_json")
    assert _rest_error(server, b"[1, 2]") == (400, "malformed_json")  # the stock channel answered 500
    assert _rest_error(server, b"\xff\xfe\x00") == (400, "malformed_json")
    assert _rest_error(server, json.dumps({"sender": "r1", "message": ["hi"]})) == (400, "invalid_message")
    assert _rest_error(server, json.dumps({"sender": {}, "message": "hi"})) == (400, "invalid_message")
    assert _rest_error(server, json.dumps({"message": "hi", "metadata": "x"})) == (400, "invalid_message")
    assert _rest_error(server, b"sender=r1&message=hi", "application/x-www-form-urlencoded")[0] == 400
    # refused by the channel, before the NLU (10k words used to take 25 s to parse)
    assert _rest_error(server, json.dumps({"sender": "r1", "message": LONG})) == (413, "message_too_long")
    big = json.dumps({"sender": "r1", "message": "hi", "metadata": {"pad": "x" * 2**20}})
    assert _rest_error(server, big) == (413, "payload_too_large")
    # JSON sent without its content type (curl -d, as in the README) is still read; the channel lives on
    r = server.post(REST, data=json.dumps({"sender": "r1", "message": "hello"}),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 200 and r.json() and "Q&Aid" in r.json()[0]["text"]


def test_socketio_answers_an_oversized_message_and_survives_malformed_ones(server: Server) -> None:
    async def talk() -> list[str]:
        async with socket_session(server.socket_url) as (client, got):
            session = client.session_id
            sessions.append(session)

            async def say(payload: Any, until: int) -> None:
                await client.emit("user_uttered", payload)
                for _ in range(150):
                    if len(got) >= until:
                        return
                    await asyncio.sleep(0.1)

            await say({"message": LONG, "session_id": session}, 1)
            assert got == [TOO_LONG]
            for bad in ([1, 2], "text", {"message": 5, "session_id": session},
                        {"message": "hi", "metadata": "{broken", "session_id": session}):  # fmt: skip
                await client.emit("user_uttered", bad)
            await say({"message": "hello", "session_id": session}, 2)
            return got

    sessions: list[str] = []
    got = asyncio.run(talk())
    assert len(got) >= 2 and "Q&Aid" in got[1]  # the malformed ones were dropped, the next one answered
    assert [e["text"] for e in server.user_events(sessions[0])] == ["hello"]


MALFORMED_UPDATES: list[dict[str, Any]] = [
    {"message": {"chat": "x", "text": "hi"}},
    {"message": "str"},
    {"message": {"chat": {"id": {"nested": 1}}, "text": 123}},
    {"message": {"chat": None, "photo": "not-a-list", "text": None}},
    {"message": {"chat": {"id": 1}, "location": {"latitude": "north", "longitude": None}}},
    {"callback_query": {"from": "me", "data": 5}},
    {"callback_query": {"id": 1, "message": {"chat": 7}, "data": "/affirm"}},
    {"callback_query": "str"},
]


def test_telegram_malformed_updates_never_fail_the_webhook(server: Server) -> None:
    for i, update in enumerate(MALFORMED_UPDATES):
        r = _send(server, {"update_id": int(time.time() * 1000) + i, **update})
        assert r.status_code in (200, 400), (update, r.status_code, r.text)
    chat = _chat()
    for ctype in ("text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"):
        headers = {"Content-Type": ctype, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        body = json.dumps(_update(chat, text="hi"))
        r = server.post("/webhooks/telegram/webhook", data=body, headers=headers)
        assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_media_type")
    assert _send(server, _update(chat, text="/start")).status_code == 200  # the channel still serves
    assert "Q&Aid" in server.platforms.wait(lambda: _texts(server, chat))[0]


def test_telegram_oversized_text_is_answered_and_kept_from_rasa(server: Server) -> None:
    chat = _chat()
    assert _send(server, _update(chat, text=LONG)).status_code == 200  # 200: a 4xx is redelivered
    assert server.platforms.wait(lambda: _texts(server, chat)) == [TOO_LONG]
    assert _send(server, _update(chat, text="/start")).status_code == 200
    server.platforms.wait(lambda: len(_texts(server, chat)) > 1)
    assert [e["text"] for e in server.user_events(str(chat))] == ["/greet"]


def test_slack_malformed_mistyped_and_oversized_events(server: Server) -> None:
    user = _user()
    event = _event(user, "hi")["event"]
    for payload in (
        {**_event(user, "hi"), "authed_users": 5, "authorizations": 7},
        {**_event(user, "hi"), "event_id": ["x"]},
        {**_event(user, "hi"), "event": {**event, "subtype": ["file_share"]}},
        {**_event(user, "hi"), "event": {**event, "user": {"id": 1}}},
        {**_event(user, "hi"), "event": {**event, "files": "x", "subtype": "file_share", "text": 12}},
    ):
        r = _post(server, payload)
        assert r.status_code in (200, 400), (payload, r.status_code, r.text)
    for form in (
        {"payload": json.dumps({"type": "block_actions", "user": "U1", "actions": [{"value": "/affirm"}]})},
        {"payload": json.dumps({"type": "block_actions", "user": {"id": user}, "channel": "C",
                                "message": "m", "actions": [{"value": "/affirm", "action_ts": "1"}]})},
    ):  # fmt: skip
        body = urlencode(form).encode()
        headers = _signed_headers(body, ctype="application/x-www-form-urlencoded")
        assert server.post("/webhooks/slack/webhook", data=body, headers=headers).status_code in (200, 400)
    body = json.dumps(_event(user, "hi")).encode()
    r = server.post("/webhooks/slack/webhook", data=body, headers=_signed_headers(body, ctype="text/plain"))
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_media_type")

    talker = _user()
    assert _post(server, _event(talker, LONG)).status_code == 200
    channel = "D" + talker[1:]
    assert server.platforms.wait(lambda: _posted(server, channel)) == [TOO_LONG]
    assert _post(server, _event(talker, "hello")).status_code == 200
    server.platforms.wait(lambda: len(_posted(server, channel)) > 1)
    assert [e["text"] for e in server.user_events(talker)] == ["hello"]
