"""The Telegram channel inside the real Rasa server: updates shaped as the Bot API sends them."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time

import pytest
from bot_server import Server
from channel_fakes import CONVERSATION_KEY, PNG, TELEGRAM_SECRET, TELEGRAM_TOKEN, WEBHOOK_URL, jpeg

from qaid_bot.channels.telegram import TelegramApi, TelegramOutput
from qaid_contracts import binding

HOOK = "/webhooks/telegram/webhook"
_ids = itertools.count(int(time.time()) % 100000 * 1000)


def _chat() -> int:
    return 7_000_000 + next(_ids)


def _update(chat: int, **message) -> dict:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "from": {"id": chat, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "chat": {"id": chat, "first_name": "Ana", "type": "private"},
            "date": int(time.time()),
            **message,
        },
    }


def _send(server: Server, update: dict | bytes | str, secret: str | None = TELEGRAM_SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = json.dumps(update) if isinstance(update, dict) else update
    return server.post(HOOK, data=body, headers=headers)


def _photo_sizes(server: Server, chat: int, data: bytes) -> list[dict]:
    small, large = f"small-{chat}", f"large-{chat}"
    server.platforms.telegram_files[small] = b"\xff\xd8\xff thumbnail"
    server.platforms.telegram_files[large] = data
    return [
        {"file_id": small, "file_unique_id": "s", "file_size": 12, "width": 90, "height": 90},
        {"file_id": large, "file_unique_id": "l", "file_size": len(data), "width": 1280, "height": 1280},
    ]


def _texts(server: Server, chat: int) -> list[str]:
    return [str(c.data.get("text")) for c in server.platforms.find("telegram", "sendMessage", chat_id=chat)]


def test_webhook_registered_with_secret_token(server: Server) -> None:
    call = server.platforms.wait(lambda: server.platforms.find("telegram", "setWebhook"))[0]
    assert call.data["url"] == WEBHOOK_URL
    assert call.data["secret_token"] == TELEGRAM_SECRET
    assert "message" in call.data["allowed_updates"] and "callback_query" in call.data["allowed_updates"]
    assert server.platforms.find("telegram", "getMe")  # `verify`: the token's bot is checked at start


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-secret", 403), ("", 401)])
def test_missing_or_wrong_secret_token_is_refused(server: Server, secret: str | None, status: int) -> None:
    chat = _chat()
    r = _send(server, _update(chat, text="hello"), secret=secret)
    assert r.status_code == status
    assert r.json()["error"]["code"] in ("missing_secret_token", "invalid_secret_token")
    time.sleep(0.5)
    assert _texts(server, chat) == []


def test_malformed_json_is_400_and_oversized_is_413(server: Server) -> None:
    assert _send(server, b"{not json").status_code == 400
    assert _send(server, b"[1, 2]").status_code == 400
    big = json.dumps({"update_id": 1, "message": {"text": "x" * (2 * 2**20)}})
    assert _send(server, big).status_code == 413

    def chunks():  # no Content-Length: refused while streaming
        yield b'{"update_id": 1, "message": {"text": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}}'

    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert server.post(HOOK, data=chunks(), headers=headers).status_code == 413


def test_start_command_greets_the_chat(server: Server) -> None:
    chat = _chat()
    assert _send(server, _update(chat, text="/start")).status_code == 200
    texts = server.platforms.wait(lambda: _texts(server, chat))
    assert "Q&Aid" in texts[0]
    assert server.user_events(str(chat))[-1]["text"] == "/greet"


def test_photo_is_downloaded_stored_on_the_hub_and_analysed(server: Server) -> None:
    chat, image = _chat(), jpeg("telegram-photo")
    update = _update(chat, photo=_photo_sizes(server, chat, image), caption="is there a lesion?")
    assert _send(server, update).status_code == 200
    p = server.platforms
    # the largest size is fetched through getFile + the file URL, then stored on the hub verbatim
    assert p.find("telegram", "getFile", file_id=f"large-{chat}")
    assert p.find("telegram_file", f"photos/large-{chat}.jpg")
    assert not p.find("telegram", "getFile", file_id=f"small-{chat}")
    stored = [c for c in p.find("hub", "store") if c.body == image]
    assert len(stored) == 1
    # the action fetched it back from the hub and sent those very bytes to the hospital
    assert any(c.body == image for c in p.find("hip", "upload"))
    reply = p.wait(lambda: _texts(server, chat))
    assert any("hospital" in t for t in reply)
    last = server.user_events(str(chat))[-1]
    assert last["text"] == "is there a lesion?"  # the caption is the text
    assert last["parse_data"]["intent"]["name"] == "share_image"
    sent = last["metadata"]["image"]
    assert sent["image_id"].startswith("img_")
    # bound to this chat's conversation: the action server accepts it (tests/bot/test_image_binding.py)
    conversation = binding.conversation_id(CONVERSATION_KEY, str(chat))
    assert binding.check_image_ref(CONVERSATION_KEY, sent["image_id"], conversation, sent["ref"])
    assert last["metadata"]["image"]["url"].startswith(p.url + "/api/v1/images/")

    # the same update again (Telegram redelivers after a timeout) is not processed twice
    assert _send(server, update).status_code == 200
    assert len([c for c in p.find("hub", "store") if c.body == image]) == 1

    # asking for the outline: the overlay comes back as a photo uploaded to the same chat
    assert _send(server, _update(chat, text="outline the lesion")).status_code == 200
    photo = p.wait(lambda: p.find("telegram", "sendPhoto", chat_id=chat))[0]
    assert photo.data["photo"] == PNG
    assert "A lesion was outlined" in photo.data["caption"]


def test_photo_without_caption_and_image_document(server: Server) -> None:
    chat, image = _chat(), jpeg("telegram-document")
    server.platforms.telegram_files[f"doc-{chat}"] = image
    doc = {"file_id": f"doc-{chat}", "file_unique_id": "d", "file_name": "scan.jpg",
           "mime_type": "image/jpeg", "file_size": len(image)}  # fmt: skip
    assert _send(server, _update(chat, document=doc)).status_code == 200
    assert [c for c in server.platforms.find("hub", "store") if c.body == image]
    last = server.user_events(str(chat))[-1]
    assert last["text"] == "/share_image"
    assert last["metadata"]["image"]["sha256"]


def test_unsupported_and_oversized_files_are_answered_politely(server: Server) -> None:
    chat = _chat()
    pdf = {"file_id": f"pdf-{chat}", "file_unique_id": "p", "file_name": "report.pdf",
           "mime_type": "application/pdf", "file_size": 1000}  # fmt: skip
    huge = {"file_id": f"huge-{chat}", "file_unique_id": "h", "file_name": "scan.png",
            "mime_type": "image/png", "file_size": 50 * 2**20}  # fmt: skip
    assert _send(server, _update(chat, document=pdf)).status_code == 200
    assert _send(server, _update(chat, document=huge)).status_code == 200
    assert _send(server, _update(chat, sticker={"file_id": "st", "width": 1, "height": 1})).status_code == 200
    texts = _texts(server, chat)
    assert "only read images" in texts[0]
    assert "too large" in texts[1] and "50.0 MB" in texts[1]
    assert "only read text" in texts[2]
    # nothing was downloaded: the reported size and type were enough to refuse
    assert not server.platforms.find("telegram", "getFile", file_id=f"pdf-{chat}")
    assert not server.platforms.find("telegram", "getFile", file_id=f"huge-{chat}")


def test_location_becomes_metadata(server: Server) -> None:
    chat = _chat()
    update = _update(chat, location={"latitude": 44.4355, "longitude": 26.1021})
    assert _send(server, update).status_code == 200
    last = server.user_events(str(chat))[-1]
    assert last["metadata"]["location"] == {"lat": 44.4355, "lon": 26.1021}
    assert last["parse_data"]["intent"]["name"] == "share_location"
    assert server.platforms.find("hub", "nearby", lat="44.4355")
    assert server.platforms.wait(lambda: _texts(server, chat))


def test_button_click_is_answered_and_delivered(server: Server) -> None:
    chat = _chat()
    update = {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq-{chat}",
            "from": {"id": chat, "is_bot": False, "first_name": "Ana"},
            "message": {"message_id": 5, "date": int(time.time()), "text": "Anything else?",
                        "chat": {"id": chat, "type": "private"}},
            "chat_instance": "42",
            "data": "/thank",
        },
    }  # fmt: skip
    assert _send(server, update).status_code == 200
    assert server.platforms.find("telegram", "answerCallbackQuery", callback_query_id=f"cq-{chat}")
    assert "welcome" in server.platforms.wait(lambda: _texts(server, chat))[0]


def test_typed_intent_syntax_goes_through_nlu(server: Server) -> None:
    chat = _chat()
    assert _send(server, _update(chat, text="/EXTERNAL_inactivity")).status_code == 200
    assert server.user_events(str(chat))[-1]["text"] == "EXTERNAL_inactivity"


def test_output_channel_sends_data_urls_as_uploads_and_public_urls_by_url(server: Server) -> None:
    # the hub is elsewhere here: every http URL is first offered to Telegram by URL
    out = TelegramOutput(
        TelegramApi(TELEGRAM_TOKEN, server.platforms.url + "/telegram"), "http://hub.invalid"
    )
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()

    async def send() -> None:
        await out.send_response("9001", {"image": data_url})
        await out.send_response("9002", {"text": "see", "image": "https://example.org/x.png"})
        await out.send_response("9003", {"text": "ok?", "buttons": [{"title": "Yes", "payload": "/affirm"}]})
        # a URL Telegram cannot reach: fetched by the channel and uploaded instead
        await out.send_response("9004", {"image": server.platforms.url + "/private/unreachable.png"})

    asyncio.run(send())
    p = server.platforms
    assert p.find("telegram", "sendPhoto", chat_id="9001")[0].data["photo"] == PNG
    by_url = p.find("telegram", "sendPhoto", chat_id="9002")[0].data
    assert by_url["photo"] == "https://example.org/x.png" and by_url["caption"] == "see"
    keyboard = p.find("telegram", "sendMessage", chat_id="9003")[0].data["reply_markup"]
    assert keyboard == {"inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]}
    tries = p.find("telegram", "sendPhoto", chat_id="9004")
    assert [type(c.data["photo"]) for c in tries] == [str, bytes] and tries[1].data["photo"] == PNG


def test_the_bot_asking_for_a_location_shows_telegrams_location_button(server: Server) -> None:
    out = TelegramOutput(
        TelegramApi(TELEGRAM_TOKEN, server.platforms.url + "/telegram"), "http://hub.invalid"
    )
    asking = {"text": "Where are you?", "custom": {"request_location": True}}
    asyncio.run(out.send_response("9005", asking))
    sent = server.platforms.find("telegram", "sendMessage", chat_id="9005")
    assert sent[0].data["text"] == "Where are you?"
    markup = sent[1].data["reply_markup"]
    assert markup["keyboard"] == [[{"text": "Share my location", "request_location": True}]]
    assert markup["one_time_keyboard"] is True and "share your location" in sent[1].data["text"]
