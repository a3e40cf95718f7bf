"""Telegram channel: text, photos, image documents, captions, locations and inline buttons in;
text, buttons and photos out. Talks to the Bot API with aiohttp (no aiogram).

Every webhook call must carry ``X-Telegram-Bot-Api-Secret-Token`` (set by ``setWebhook`` at start):
missing -> 401, wrong -> 403. Updates are handled before the webhook answers, so Telegram keeps a
chat's messages in order; a failure is logged and still answered 200 (Telegram would redeliver
the same broken update forever).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from . import common as c

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
TEXT_LIMIT, CAPTION_LIMIT, CALLBACK_DATA_LIMIT = 4096, 1024, 64
LOCATION_BUTTON = "Share my location"
LOCATION_PROMPT = "Tap the button below to share your location (or type your town)."
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities"}


class TelegramError(Exception):
    pass


class TelegramApi:
    """The few Bot API methods the channel needs. The token is part of every URL, so errors are
    logged by method name only."""

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")

    async def call(self, method: str, payload: dict[str, Any] | aiohttp.FormData) -> Any:
        kw: dict[str, Any] = {"data": payload} if isinstance(payload, aiohttp.FormData) else {"json": payload}
        try:
            timeout = aiohttp.ClientTimeout(total=c.API_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(f"{self.api_url}/bot{self.token}/{method}", **kw) as resp:
                    body = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise TelegramError(f"{method}: {type(exc).__name__}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            desc = body.get("description") if isinstance(body, dict) else ""
            raise TelegramError(f"{method}: {desc}")
        return body.get("result")

    async def download(self, file_id: str, limit: int) -> bytes:
        """getFile, then the file itself from ``{api}/file/bot<token>/<file_path>``."""
        info = await self.call("getFile", {"file_id": file_id})
        size = c.as_int((info or {}).get("file_size"), 0)
        if size > limit:
            raise c.ChannelError("file_too_large", c.too_large_text(size, limit), 413)
        path = (info or {}).get("file_path")
        if not path:
            raise c.ChannelError("no_file_path", c.DOWNLOAD_FAILED)
        data, _ = await c.download(f"{self.api_url}/file/bot{self.token}/{path}", limit)
        return data


class TelegramOutput(OutputChannel):
    """Sends to one chat id (the Rasa sender id)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(
        self, api: TelegramApi, hub_url: str | None = None, max_file_bytes: int = c.MAX_FILE_BYTES
    ) -> None:
        self.api = api
        self.hub_url = hub_url
        self.max_file_bytes = max_file_bytes

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        try:
            # An image with a short text goes out as one photo with a caption, as a person would send it.
            text, image = message.get("text"), message.get("image")
            if (
                image
                and text
                and len(text) <= CAPTION_LIMIT
                and not any(
                    message.get(k) for k in ("buttons", "quick_replies", "custom", "attachment", "elements")
                )
            ):
                await self.send_image_url(recipient_id, image, caption=text)
                return
            await super().send_response(recipient_id, message)
        except TelegramError as exc:  # one undeliverable message must not drop the rest of the turn
            logger.error("telegram: reply to chat %s failed: %s", recipient_id, exc)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for i in range(0, max(len(text), 1), TEXT_LIMIT):
            await self.api.call("sendMessage", {"chat_id": recipient_id, "text": text[i : i + TEXT_LIMIT]})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        caption = kwargs.get("caption")
        try:
            data = await c.outgoing_image(image, c.hub_url(self.hub_url), self.max_file_bytes)
        except (ValueError, c.ChannelError) as exc:
            logger.warning("bot image not sent: %s", exc)
            if caption:
                await self.send_text_message(recipient_id, caption)
            return
        if data is None:  # a public URL: Telegram fetches it ...
            payload: dict[str, Any] = {"chat_id": recipient_id, "photo": image}
            if caption:
                payload["caption"] = caption
            try:
                await self.api.call("sendPhoto", payload)
                return
            except TelegramError as exc:  # ... unless it cannot reach it: upload the bytes instead
                logger.info("telegram: photo by URL refused (%s); uploading it", exc)
                try:
                    data = await c.download(image, self.max_file_bytes)
                except c.ChannelError:
                    raise exc from None
        form = aiohttp.FormData()
        form.add_field("chat_id", str(recipient_id))
        if caption:
            form.add_field("caption", caption)
        form.add_field("photo", data[0], filename=c.filename_for(data[1]), content_type=data[1])
        await self.api.call("sendPhoto", form)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keys = [{"text": b.get("title", ""), "callback_data": _callback_data(b)} for b in buttons]
        # a short row for a few answers (yes / no), one per row otherwise
        rows = [keys] if len(keys) <= 3 and kwargs.get("button_type") != "vertical" else [[k] for k in keys]
        await self.api.call(
            "sendMessage",
            {"chat_id": recipient_id, "text": text or "…", "reply_markup": {"inline_keyboard": rows}},
        )

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """``{"method": "sendLocation", ...}``: any Bot API method (default sendMessage) to this chat.
        ``{"request_location": true}`` (the bot asking where the patient is) becomes Telegram's own
        location button, a one-time reply keyboard."""
        payload = dict(json_message)
        payload.pop("notice", None)  # a notice for the web page; the text came as its own message
        payload.pop("doctor_reply", None)  # the id of a reply the web page marks as shown
        if not payload:
            return
        if payload.pop("request_location", None) is True:
            button = {"text": LOCATION_BUTTON, "request_location": True}
            keyboard = {"keyboard": [[button]], "one_time_keyboard": True, "resize_keyboard": True}
            payload = {"text": LOCATION_PROMPT, "reply_markup": keyboard, **payload}
        method = str(payload.pop("method", "sendMessage"))
        payload.setdefault("chat_id", recipient_id)
        await self.api.call(method, payload)


def _callback_data(button: dict[str, Any]) -> str:
    # Telegram caps callback_data at 64 bytes; a longer payload falls back to the title (NLU reads it).
    payload = str(button.get("payload") or button.get("title") or "")
    if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
        return payload
    return str(button.get("title", "")).encode()[:CALLBACK_DATA_LIMIT].decode(errors="ignore")


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            access_token=str(credentials.get("access_token") or ""),
            secret_token=str(credentials.get("secret_token") or ""),
            verify=credentials.get("verify"),
            webhook_url=credentials.get("webhook_url"),
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
            hub_url=credentials.get("hub_url"),
            limits=c.Limits.from_credentials(credentials),
        )

    def __init__(
        self,
        access_token: str,
        secret_token: str,
        verify: str | None = None,
        webhook_url: str | None = None,
        api_url: str = DEFAULT_API_URL,
        hub_url: str | None = None,
        limits: c.Limits = c.Limits(),  # noqa: B008 (frozen, so one shared default is safe)
    ) -> None:
        if not access_token:
            raise InvalidConfigException("telegram: `access_token` (from BotFather) is required.")
        # Without the secret anyone who guesses the webhook URL could talk as any chat.
        if not _SECRET_OK.match(secret_token or ""):
            raise InvalidConfigException(
                "telegram: `secret_token` is required: 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )
        self.api = TelegramApi(access_token, api_url)
        self.secret_token = secret_token
        self.verify = (verify or "").lstrip("@") or None
        self.webhook_url = webhook_url
        self.hub_url = hub_url
        self.max_body_bytes = limits.max_body_bytes
        self.max_file_bytes = limits.max_file_bytes
        self._recent = c.Recent()
        self._limit = c.SenderLimit(limits.rate_burst, limits.rate_per_minute)

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.api, self.hub_url, self.max_file_bytes)

    async def register_webhook(self) -> None:
        """setWebhook with the secret token; a failure is logged, Rasa keeps serving other channels."""
        try:
            if self.verify:
                me = await self.api.call("getMe", {})
                if (me or {}).get("username") != self.verify:
                    logger.error(
                        "telegram: the token belongs to @%s, not @%s", (me or {}).get("username"), self.verify
                    )
            if self.webhook_url:
                await self.api.call(
                    "setWebhook",
                    {
                        "url": self.webhook_url,
                        "secret_token": self.secret_token,
                        "allowed_updates": ["message", "callback_query"],
                    },
                )
                logger.info("telegram: webhook registered")
        except TelegramError as exc:
            logger.error("telegram: webhook registration failed: %s", exc)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("qaid_telegram_webhook", __name__)

        @bp.listener("after_server_start")
        async def _register(app: Any, loop: Any) -> None:
            await self.register_webhook()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def webhook(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER)
            if not given:
                return c.error(401, "missing_secret_token", f"{SECRET_HEADER} is required.")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return c.error(403, "invalid_secret_token", f"{SECRET_HEADER} does not match.")
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype not in ("", "application/json"):
                return c.error(415, "unsupported_media_type", "Telegram updates are application/json.")
            body = await c.read_body(request, self.max_body_bytes)
            if body is None:
                return c.error(413, "payload_too_large", f"The limit is {self.max_body_bytes} bytes.")
            update = c.parse_json(body)
            if not isinstance(update, dict):
                return c.error(400, "malformed_json", "The body must be a JSON object (a Telegram Update).")
            if self._recent.check_and_add(f"u{update.get('update_id')}" if "update_id" in update else None):
                return response.json({"status": "duplicate"})
            if not await self._admit(update):
                return response.json({"status": "rate_limited"})  # 200: a 429 would be redelivered
            try:
                await self.handle_update(update, on_new_message)
            except Exception:  # noqa: BLE001 - see the module docstring
                logger.exception("telegram: update %s failed", update.get("update_id"))
            return response.json({"status": "ok"})

        return bp

    async def _admit(self, update: dict[str, Any]) -> bool:
        """The sender's rate limit (c.SenderLimit); the first refused message is answered once."""
        cq = c.obj(update.get("callback_query"))
        msg = update.get("message") if isinstance(update.get("message"), dict) else cq.get("message")
        chat = c.obj(c.obj(msg).get("chat")).get("id") or c.obj(cq.get("from")).get("id")
        verdict = self._limit.check(str(chat) if chat is not None else None)
        if verdict == "notify":
            logger.info("telegram: chat %s is over its rate limit", chat)
            try:
                await self.get_output_channel().send_text_message(str(chat), c.SLOW_DOWN)
            except TelegramError as exc:
                logger.warning("telegram: %s", exc)
        return verdict == "ok"

    async def handle_update(
        self, update: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        out = self.get_output_channel()
        if isinstance(update.get("callback_query"), dict):
            cq = update["callback_query"]
            # answered first: it stops the spinner on the user's button
            try:
                await self.api.call("answerCallbackQuery", {"callback_query_id": cq.get("id")})
            except TelegramError as exc:
                logger.warning("telegram: %s", exc)
            chat = c.obj(c.obj(cq.get("message")).get("chat")).get("id") or c.obj(cq.get("from")).get("id")
            if chat is not None and cq.get("data"):
                # our own buttons' payloads ("/affirm") are trusted intents
                await self._deliver(on_new_message, out, str(chat), str(cq["data"]), {})
            return
        msg = update.get("message")
        if not isinstance(msg, dict):  # edits, channel posts, joins: nothing to answer
            return
        chat = str(c.obj(msg.get("chat")).get("id"))
        text = msg.get("text") or msg.get("caption")
        typed = self._strip_mention(text if isinstance(text, str) else None)
        if typed and len(typed) > c.MAX_TEXT_CHARS:
            await out.send_text_message(chat, c.TOO_LONG)
            return
        try:
            ref = await self._file_ref(msg)
            if ref is not None:
                image = await c.store_image(
                    c.hub_url(self.hub_url), await self.api.download(ref, self.max_file_bytes), chat
                )
                text = c.user_text(typed, COMMANDS, "/share_image")
                await self._deliver(on_new_message, out, chat, text, {"image": image})
                return
        except c.ChannelError as exc:
            logger.info("telegram: image from chat %s not taken: %s", chat, exc.code)
            await out.send_text_message(chat, exc.reply)
            return
        loc = msg.get("location")
        if isinstance(loc, dict) and "latitude" in loc and "longitude" in loc:
            geo = {"lat": float(loc["latitude"]), "lon": float(loc["longitude"])}
            await self._deliver(
                on_new_message, out, chat, c.user_text(typed, COMMANDS, "/share_location"), {"location": geo}
            )
        elif typed:
            await self._deliver(on_new_message, out, chat, c.user_text(typed, COMMANDS, ""), {})
        else:  # stickers, voice, video, contacts...
            await out.send_text_message(chat, c.UNSUPPORTED_MESSAGE)

    async def _file_ref(self, msg: dict[str, Any]) -> str | None:
        """The file id of the message's image, None when it has none; ChannelError when it has a
        file the bot will not take (checked against the reported size before any download)."""
        photos = msg.get("photo")
        if isinstance(photos, list) and photos:
            sizes = [p for p in photos if isinstance(p, dict) and p.get("file_id")]
            # Telegram lists sizes smallest first; take the largest under the limit
            fitting = [p for p in sizes if c.as_int(p.get("file_size"), 0) <= self.max_file_bytes]
            if not fitting:
                biggest = max(c.as_int(p.get("file_size"), 0) for p in sizes) if sizes else 0
                raise c.ChannelError("file_too_large", c.too_large_text(biggest, self.max_file_bytes), 413)
            return str(fitting[-1]["file_id"])
        doc = msg.get("document")
        if isinstance(doc, dict) and doc.get("file_id"):
            if not c.is_image_file(doc.get("mime_type"), doc.get("file_name")):
                raise c.ChannelError("unsupported_file_type", c.UNSUPPORTED_FILE, 415)
            size = c.as_int(doc.get("file_size"), 0)
            if size > self.max_file_bytes:
                raise c.ChannelError("file_too_large", c.too_large_text(size, self.max_file_bytes), 413)
            return str(doc["file_id"])
        return None

    def _strip_mention(self, text: str | None) -> str | None:
        if text and self.verify:
            text = re.sub(rf"@{re.escape(self.verify)}\b", "", text, flags=re.IGNORECASE).strip()
        return text

    async def _deliver(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        out: TelegramOutput,
        chat: str,
        text: str,
        metadata: dict[str, Any],
    ) -> None:
        await on_new_message(UserMessage(text, out, chat, input_channel=self.name(), metadata=metadata))
