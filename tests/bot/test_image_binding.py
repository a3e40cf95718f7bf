"""Issue 16's image attacks on the action server: another patient's image id, a forged reference, a URL
of the attacker's choosing, redirects and endless bodies. Each is performed and must fail."""

from __future__ import annotations

import hashlib

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conversation_image import IMAGE_ID, PNG, image_metadata, image_ref
from tracker_helpers import make_tracker, slot_events, texts

from qaid_bot.actions.image_flow import ActionAnalyzeImage
from qaid_bot.clients import HubClient, ServiceError
from qaid_bot.settings import settings

pytestmark = pytest.mark.asyncio


async def _analyze(network, dispatcher, metadata, sender="conv-1"):
    tracker = make_tracker("/share_image", "share_image", metadata=metadata, sender_id=sender)
    return await ActionAnalyzeImage().run(dispatcher, tracker, {})


async def test_another_patients_image_id_is_refused(network, dispatcher):
    """The attacker names the victim's image id with the reference the victim's upload got: it
    verifies only for the victim's conversation, so the attacker's conversation never fetches it."""
    victims = image_metadata(network.hub.url, sender="victim-session")
    events = await _analyze(network, dispatcher, victims, sender="attacker")
    assert events == [] and "couldn't verify that image" in texts(dispatcher)[0]
    assert network.hub.image_fetches == [] and sum(h.uploads for h in network.hips) == 0


@pytest.mark.parametrize(
    "image",
    [
        {"image_id": IMAGE_ID, "token": "t0k"},  # no reference
        {"image_id": IMAGE_ID, "token": "t0k", "ref": "A" * 43},  # a forged one
        {"image_id": "img_" + "0" * 32, "token": "t0k", "ref": image_ref()},  # another id, same ref
        {"image_id": "../../admin", "token": "t0k", "ref": image_ref("../../admin")},  # not a hub id
        {"url": "http://127.0.0.1:1/any.png", "image_id": IMAGE_ID},  # a URL of the client's choosing
    ],
)
async def test_an_image_the_hub_did_not_bind_to_this_conversation_is_refused(network, dispatcher, image):
    events = await _analyze(network, dispatcher, {"image": image})
    assert events == [] and "couldn't verify that image" in texts(dispatcher)[0]
    assert network.hub.image_fetches == []


async def test_without_a_conversation_key_no_image_is_accepted(network, dispatcher, env):
    env.setenv("QAID_CONVERSATION_KEY", "")
    events = await _analyze(network, dispatcher, image_metadata(network.hub.url))
    assert events == [] and network.hub.image_fetches == []


async def test_bytes_that_do_not_match_the_image_id_are_refused(network, dispatcher):
    network.hub.image_bytes = PNG + b"tampered"
    events = await _analyze(network, dispatcher, image_metadata(network.hub.url))
    assert "can't reach the hospital network" in texts(dispatcher)[0]
    assert not slot_events(events).get("images")


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app)
    await server.start_server()
    return server


async def test_the_fetch_follows_no_redirect(env):
    hits: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=PNG, content_type="image/png")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{other.make_url('/secret')}")

    other = await _serve(_app(elsewhere))
    hub = await _serve(_app(redirect))
    env.setenv("QAID_HUB_URL", str(hub.make_url("")).rstrip("/"))
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ServiceError):
                await HubClient(session, settings()).fetch_image(IMAGE_ID, "t0k")
    finally:
        await hub.close()
        await other.close()
    assert hits == []


async def test_an_endless_body_is_cut_at_the_limit(env):
    sent: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "image/png"})
        await resp.prepare(request)
        try:
            for _ in range(10_000):  # 640 MB if nobody stops reading
                await resp.write(b"\0" * 65536)
                sent.append(65536)
        except (ConnectionResetError, RuntimeError):
            pass
        return resp

    hub = await _serve(_app(endless))
    env.setenv("QAID_HUB_URL", str(hub.make_url("")).rstrip("/"))
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(ServiceError) as refused:
                await HubClient(session, settings()).fetch_image(IMAGE_ID, "t0k", limit=256 * 1024)
    finally:
        await hub.close()
    assert refused.value.status == 413
    assert sum(sent) < 64 * 2**20  # stopped long before the end


def _app(handler) -> web.Application:
    app = web.Application()
    app.router.add_get("/api/v1/images/{id}", handler)
    return app


def test_the_fake_image_id_is_content_addressed() -> None:
    assert IMAGE_ID == "img_" + hashlib.sha256(PNG).hexdigest()[:32]
