"""The Slack channel inside the real Rasa server: Events API requests signed as Slack signs them."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from urllib.parse import urlencode

import pytest
from bot_server import Server
from channel_fakes import PNG, SLACK_SIGNING_SECRET, SLACK_TOKEN, jpeg
from slack_sdk.signature import SignatureVerifier

from qaid_bot.channels.slack_output import SlackOutput

HOOK = "/webhooks/slack/webhook"
_ids = itertools.count(int(time.time()) % 100000 * 1000)


def _user() -> str:
    return f"U{next(_ids)}"


def _signed_headers(body: bytes, ts: int | None = None, ctype: str = "application/json") -> dict[str, str]:
    stamp = str(ts if ts is not None else int(time.time()))
    sig = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    return {"Content-Type": ctype, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(sig)}


def _event(user: str, text: str = "", files: list[dict] | None = None) -> dict:
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "event_ts": ts,
        "channel": "D" + user[1:],
        "channel_type": "im",
        "team": "T0001",
        "blocks": [],
    }
    if files:
        event.update({"subtype": "file_share", "files": files, "upload": False, "display_as_bot": False})
    return {
        "token": "legacy-verification-token",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_ids)}",
        "event_time": int(time.time()),
        "authorizations": [
            {"enterprise_id": None, "team_id": "T0001", "user_id": "UQAIDBOT", "is_bot": True}
        ],
        "is_ext_shared_channel": False,
    }


def _file(
    server: Server, name: str, data: bytes, mimetype: str = "image/jpeg", size: int | None = None
) -> dict:
    server.platforms.slack_files[name] = data
    url = f"{server.platforms.url}/slack/files/{name}"
    return {
        "id": f"F{next(_ids)}", "created": int(time.time()), "name": name, "title": name,
        "mimetype": mimetype, "filetype": name.rsplit(".", 1)[-1],
        "size": len(data) if size is None else size, "mode": "hosted", "is_external": False,
        "url_private": url, "url_private_download": url,
    }  # fmt: skip


def _post(server: Server, payload: dict, headers: dict[str, str] | None = None):
    body = json.dumps(payload).encode()
    return server.post(HOOK, data=body, headers={**_signed_headers(body), **(headers or {})})


def _posted(server: Server, channel: str) -> list[str]:
    return [
        str(c.data.get("text")) for c in server.platforms.find("slack", "chat.postMessage", channel=channel)
    ]


def test_unsigned_bad_and_stale_signatures_are_401(server: Server) -> None:
    body = json.dumps(_event(_user(), "hello")).encode()
    assert server.post(HOOK, data=body, headers={"Content-Type": "application/json"}).status_code == 401
    bad = {**_signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert server.post(HOOK, data=body, headers=bad).status_code == 401
    stale = _signed_headers(body, ts=int(time.time()) - 6 * 60)  # correctly signed, 6 min old
    assert server.post(HOOK, data=body, headers=stale).status_code == 401
    tampered = _signed_headers(body)
    assert server.post(HOOK, data=body.replace(b"hello", b"hellO"), headers=tampered).status_code == 401
    junk = {**_signed_headers(body), "X-Slack-Request-Timestamp": "not-a-number"}
    assert server.post(HOOK, data=body, headers=junk).status_code == 401


def test_oversized_is_413_and_malformed_json_is_400(server: Server) -> None:
    big = json.dumps({"type": "event_callback", "pad": "x" * (2 * 2**20)}).encode()
    assert server.post(HOOK, data=big, headers=_signed_headers(big)).status_code == 413
    bad = b'{"type": "event_callback", '
    assert server.post(HOOK, data=bad, headers=_signed_headers(bad)).status_code == 400


def test_url_verification_challenge(server: Server) -> None:
    r = _post(server, {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})  # fmt: skip
    assert r.status_code == 200
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_text_message_is_answered_in_the_dm(server: Server) -> None:
    user = _user()
    assert _post(server, _event(user, "hello")).status_code == 200
    assert "Q&Aid" in server.platforms.wait(lambda: _posted(server, "D" + user[1:]))[0]


def test_message_with_file_is_fetched_with_the_bot_token_and_stored_on_the_hub(server: Server) -> None:
    user, image = _user(), jpeg("slack-file")
    channel, p = "D" + user[1:], server.platforms
    payload = _event(user, "<@UQAIDBOT> is there a lesion?", files=[_file(server, f"{user}.jpg", image)])
    assert _post(server, payload).status_code == 200
    fetched = p.wait(lambda: p.find("slack_file", f"{user}.jpg"))
    assert fetched[0].data["authorization"] == f"Bearer {SLACK_TOKEN}"
    p.wait(lambda: [c for c in p.find("hub", "store") if c.body == image])
    assert any("hospital" in t for t in p.wait(lambda: _posted(server, channel)))
    last = p.wait(lambda: server.user_events(user))[-1]
    assert last["text"] == "is there a lesion?"  # the bot mention is dropped
    assert last["parse_data"]["intent"]["name"] == "share_image"
    assert last["metadata"]["image"]["url"].startswith(p.url + "/api/v1/images/")

    # Slack's retry of the same event is acknowledged without a second download
    r = _post(server, payload, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert r.status_code == 200 and r.headers.get("X-Slack-No-Retry") == "1"
    # ... and so is the app_mention event Slack sends for the same message
    mention = {
        **payload,
        "event_id": payload["event_id"] + "m",
        "event": {**payload["event"], "type": "app_mention"},
    }
    assert _post(server, mention).status_code == 200
    time.sleep(1.0)
    assert len(p.find("slack_file", f"{user}.jpg")) == 1
    assert len([c for c in p.find("hub", "store") if c.body == image]) == 1

    # the outline comes back as an uploaded file (files_upload_v2 flow) in the same DM
    assert _post(server, _event(user, "outline the lesion")).status_code == 200
    upload = p.wait(lambda: p.find("slack_upload"))
    assert any(c.body == PNG for c in upload)
    done = p.wait(lambda: p.find("slack", "files.completeUploadExternal", channel_id=channel))
    assert done and p.find("slack", "files.getUploadURLExternal", length=len(PNG))


def test_unsupported_and_oversized_files_are_answered_politely(server: Server) -> None:
    user = _user()
    channel = "D" + user[1:]
    pdf = _file(server, f"{user}.pdf", b"%PDF-1.4", mimetype="application/pdf")
    assert _post(server, _event(user, files=[pdf])).status_code == 200
    assert "only read images" in server.platforms.wait(lambda: _posted(server, channel))[0]
    huge = _file(server, f"{user}.png", PNG, mimetype="image/png", size=50 * 2**20)
    assert _post(server, _event(user, files=[huge])).status_code == 200
    texts = server.platforms.wait(lambda: (t := _posted(server, channel)) and len(t) > 1 and t)
    assert "too large" in texts[1]
    assert not server.platforms.find("slack_file", f"{user}.pdf")
    assert not server.platforms.find("slack_file", f"{user}.png")


def test_file_urls_outside_slack_never_get_the_token(server: Server) -> None:
    user = _user()
    evil = _file(server, f"{user}.jpg", jpeg("evil"))
    evil["url_private"] = evil["url_private_download"] = "http://127.0.0.1:9/steal.jpg"
    assert _post(server, _event(user, files=[evil])).status_code == 200
    assert "couldn't download" in server.platforms.wait(lambda: _posted(server, "D" + user[1:]))[0]


def test_button_click_is_delivered(server: Server) -> None:
    user = _user()
    channel = "D" + user[1:]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "ana", "team_id": "T0001"},
        "api_app_id": "A0001",
        "container": {"type": "message", "message_ts": "1.2", "channel_id": channel},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000200", "text": "Anything else?"},
        "actions": [{"type": "button", "action_id": "a1", "block_id": "b1", "value": "/thank",
                     "text": {"type": "plain_text", "text": "Thanks"}, "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = _signed_headers(body, ctype="application/x-www-form-urlencoded")
    assert server.post(HOOK, data=body, headers=headers).status_code == 200
    assert "welcome" in server.platforms.wait(lambda: _posted(server, channel))[0]


@pytest.mark.parametrize("threaded", [False, True])
def test_output_channel_posts_public_image_urls_as_image_blocks(server: Server, threaded: bool) -> None:
    channel = f"C{next(_ids)}"
    out = SlackOutput(SLACK_TOKEN, server.platforms.url + "/slack", channel, "17.1" if threaded else None)
    asyncio.run(out.send_response("U1", {"image": "https://example.org/scan.png"}))
    call = server.platforms.find("slack", "chat.postMessage", channel=channel)[0]
    blocks = call.data["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0] == {"type": "image", "image_url": "https://example.org/scan.png", "alt_text": "image"}
    assert call.data.get("thread_ts") == ("17.1" if threaded else None)
