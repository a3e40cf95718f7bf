"""Slack channel (Events API + interactivity): text and files in; text, buttons and images out
through ``slack_output.SlackOutput``.

Every request is checked against the signing secret (``X-Slack-Signature`` over
``v0:<timestamp>:<body>``, timestamps older than 5 min refused) before anything else is read from
it. Slack wants an answer within 3 s, so messages are handled in a background task; redeliveries
(``X-Slack-Retry-Num``) and the second event of a mention (``message`` + ``app_mention``) are
recognised by event id and message ts and never processed twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackInput as StockSlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier

from . import common as c
from .slack_output import DEFAULT_API_URL, SlackOutput, web_client

logger = logging.getLogger(__name__)

DEFAULT_FILE_PREFIXES = ("https://files.slack.com/",)
# plain user messages; file shares; replies also sent to the channel
_USER_SUBTYPES = {None, "file_share", "thread_broadcast"}
COMMANDS: dict[str, str] = {}


class SlackInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        prefixes = credentials.get("file_url_prefixes") or DEFAULT_FILE_PREFIXES
        return cls(
            slack_token=str(credentials.get("slack_token") or ""),
            slack_signing_secret=str(credentials.get("slack_signing_secret") or ""),
            slack_channel=credentials.get("slack_channel"),
            use_threads=bool(credentials.get("use_threads", False)),
            conversation_granularity=str(credentials.get("conversation_granularity") or "sender"),
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
            file_url_prefixes=[prefixes] if isinstance(prefixes, str) else list(prefixes),
            hub_url=credentials.get("hub_url"),
            limits=c.Limits.from_credentials(credentials),
        )

    def __init__(
        self,
        slack_token: str,
        slack_signing_secret: str,
        slack_channel: str | None = None,
        use_threads: bool = False,
        conversation_granularity: str = "sender",
        api_url: str = DEFAULT_API_URL,
        file_url_prefixes: list[str] | None = None,
        hub_url: str | None = None,
        limits: c.Limits = c.Limits(),  # noqa: B008 (frozen, so one shared default is safe)
    ) -> None:
        if not slack_token or not slack_signing_secret:
            raise InvalidConfigException("slack: `slack_token` and `slack_signing_secret` are required.")
        self.token = slack_token
        self.verifier = SignatureVerifier(slack_signing_secret)
        self.slack_channel = slack_channel
        self.use_threads = use_threads
        self.granularity = conversation_granularity
        self.api_url = api_url
        # The bot token is only ever sent to these prefixes, whatever url_private an event names.
        self.file_url_prefixes = tuple(file_url_prefixes or DEFAULT_FILE_PREFIXES)
        self.hub_url = hub_url
        self.max_body_bytes = limits.max_body_bytes
        self.max_file_bytes = limits.max_file_bytes
        self._recent = c.Recent()
        self._limit = c.SenderLimit(limits.rate_burst, limits.rate_per_minute)
        self._tasks: set[asyncio.Task] = set()

    def get_output_channel(self, channel: str | None = None, thread_ts: str | None = None) -> SlackOutput:
        return SlackOutput(
            self.token,
            self.api_url,
            channel or self.slack_channel,
            thread_ts,
            self.hub_url,
            self.max_file_bytes,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("qaid_slack_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def webhook(request: Request) -> HTTPResponse:
            body = await c.read_body(request, self.max_body_bytes)
            if body is None:
                return c.error(413, "payload_too_large", f"The limit is {self.max_body_bytes} bytes.")
            if not self._signed(body, request):
                return c.error(401, "invalid_signature", "Missing, stale or invalid X-Slack-Signature.")
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                return self._interaction(body, on_new_message)
            if ctype != "application/json":
                return c.error(415, "unsupported_media_type", "Slack sends application/json or a form.")
            payload = c.parse_json(body)
            if not isinstance(payload, dict):
                return c.error(400, "malformed_json", "The body must be a JSON object (a Slack event).")
            if payload.get("type") == "url_verification":
                return response.json({"challenge": payload.get("challenge")})
            event = payload.get("event")
            if payload.get("type") != "event_callback" or not isinstance(event, dict):
                return response.json({"status": "ignored"})
            ids = [payload.get("event_id")] + [event.get(k) for k in ("type", "subtype", "ts", "thread_ts")]
            ids += [event.get(k) for k in ("channel", "user")]
            if any(v is not None and not isinstance(v, str) for v in ids):
                return c.error(400, "malformed_event", "Event ids, types, channel and user are strings.")
            # one message can arrive as `message` and `app_mention`, and again as a retry
            msg_key = f"{event.get('channel')}:{event.get('ts')}" if event.get("ts") else None
            if self._recent.check_and_add(payload.get("event_id"), msg_key):
                return response.json({"status": "duplicate"}, headers={"X-Slack-No-Retry": "1"})
            if not self._is_user_message(event):
                return response.json({"status": "ignored"})
            if not self._admit(str(event["user"]), event.get("channel"), event.get("thread_ts")):
                return response.json({"status": "rate_limited"})  # 200: Slack would retry a 429
            authed, auths = payload.get("authed_users"), payload.get("authorizations")
            bot_users = [u for u in authed if isinstance(u, str)] if isinstance(authed, list) else []
            auths = auths if isinstance(auths, list) else []
            bot_users += [str(a["user_id"]) for a in auths if isinstance(a, dict) and a.get("user_id")]
            self._spawn(self.handle_message(event, bot_users, on_new_message))
            return response.json({"status": "ok"})

        return bp

    def _signed(self, body: bytes, request: Request) -> bool:
        try:  # slack_sdk's check: HMAC-SHA256 of v0:<ts>:<body>, |now - ts| <= 5 min
            return self.verifier.is_valid(
                body,
                request.headers.get("X-Slack-Request-Timestamp"),
                request.headers.get("X-Slack-Signature"),
            )
        except (ValueError, UnicodeDecodeError):  # a non-numeric timestamp, a non-UTF-8 body
            return False

    def _is_user_message(self, event: dict[str, Any]) -> bool:
        if (
            event.get("type") not in ("message", "app_mention")
            or event.get("bot_id")
            or not event.get("user")
        ):
            return False
        if event.get("subtype") not in _USER_SUBTYPES:
            return False
        return (
            event.get("channel_type") == "im"
            or event.get("type") == "app_mention"
            or (self.slack_channel is not None and event.get("channel") == self.slack_channel)
        )

    def _admit(self, user: str, channel: str | None, thread: str | None) -> bool:
        """The user's rate limit (c.SenderLimit): the first refused message is answered, in the
        background (Slack wants the webhook's answer within 3 s)."""
        verdict = self._limit.check(user)
        if verdict == "notify":
            logger.info("slack: user %s is over its rate limit", user)
            self._spawn(self._tell(self._out(channel, None, thread), channel or user, c.SLOW_DOWN))
        return verdict == "ok"

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)  # keep a reference: asyncio only holds weak ones
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("slack: message handling failed", exc_info=task.exception())

    def _conversation(self, user: str, channel: str | None, thread: str | None) -> str:
        if self.granularity == "channel" and channel:
            return f"{user}_{channel}"
        if self.granularity == "thread" and channel and thread:
            return f"{user}_{channel}_{thread}"
        return user

    def _out(self, channel: str | None, ts: str | None, thread_ts: str | None) -> SlackOutput:
        return self.get_output_channel(channel, (thread_ts or ts) if self.use_threads else thread_ts)

    async def handle_message(
        self,
        event: dict[str, Any],
        bot_users: list[str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        channel, ts, thread = event.get("channel"), event.get("ts"), event.get("thread_ts")
        out = self._out(channel, ts, thread)
        sender = self._conversation(str(event["user"]), channel, thread or ts)
        recipient = channel or sender
        typed = StockSlackInput._sanitize_user_message(
            str(event.get("text") or ""), [u for u in bot_users if u]
        )
        meta = {"out_channel": channel, "thread_id": thread or ts}
        if len(typed) > c.MAX_TEXT_CHARS:
            await self._tell(out, recipient, c.TOO_LONG)
            return
        try:
            listed = event.get("files")
            files = [f for f in listed if isinstance(f, dict)] if isinstance(listed, list) else []
            images = [f for f in files if c.is_image_file(f.get("mimetype"), f.get("name"))]
            if files and not images:
                await out.send_text_message(recipient, c.UNSUPPORTED_FILE)
            if images:
                if len(images) > 1:
                    await out.send_text_message(recipient, c.ONE_IMAGE)
                image = await c.store_image(c.hub_url(self.hub_url), await self._fetch(images[0]), sender)
                text = c.user_text(typed, COMMANDS, "/share_image")
                await self._deliver(on_new_message, out, sender, text, {**meta, "image": image})
            elif typed:
                await self._deliver(on_new_message, out, sender, c.user_text(typed, COMMANDS, ""), meta)
        except c.ChannelError as exc:
            logger.info("slack: file from %s not taken: %s", sender, exc.code)
            await self._tell(out, recipient, exc.reply)
        except Exception:  # noqa: BLE001 - a background task: log, never lose it silently
            logger.exception("slack: message %s failed", ts)

    async def _fetch(self, file: dict[str, Any]) -> bytes:
        """The file's bytes from url_private with the bot token, checked against its size first."""
        if file.get("file_access") == "check_file_info" or not file.get("url_private"):
            # Slack Connect / large files arrive as a stub: ask files.info for the full object
            try:
                info = await web_client(self.token, self.api_url).files_info(file=str(file.get("id")))
                file = dict(info.get("file") or {})
            except (SlackApiError, SlackClientError) as exc:
                raise c.ChannelError("files_info_failed", c.DOWNLOAD_FAILED) from exc
        size = c.as_int(file.get("size"), 0)
        if size > self.max_file_bytes:
            raise c.ChannelError("file_too_large", c.too_large_text(size, self.max_file_bytes), 413)
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        if not url.startswith(self.file_url_prefixes):
            logger.warning(
                "slack: refusing to send the bot token to a file URL outside %s", self.file_url_prefixes
            )
            raise c.ChannelError("untrusted_file_url", c.DOWNLOAD_FAILED)
        data, ctype = await c.download(url, self.max_file_bytes, {"Authorization": f"Bearer {self.token}"})
        if ctype == "text/html":  # Slack's login page: the app lacks the files:read scope
            logger.error("slack: got HTML for a file; does the app have the files:read scope?")
            raise c.ChannelError("file_not_readable", c.DOWNLOAD_FAILED)
        return data

    @staticmethod
    async def _tell(out: SlackOutput, recipient: str, text: str) -> None:
        try:
            await out.send_text_message(recipient, text)
        except (SlackApiError, SlackClientError) as exc:
            logger.warning("slack: could not answer: %s", exc)

    def _interaction(
        self, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """A button click (``block_actions``): its value becomes the user's message."""
        raw = parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0]
        payload = c.parse_json(raw.encode())
        if not isinstance(payload, dict):
            return c.error(400, "malformed_json", "The interaction payload must be JSON.")
        actions = payload.get("actions") or []
        user = c.obj(payload.get("user")).get("id")
        value = actions[0].get("value") if actions and isinstance(actions[0], dict) else None
        if payload.get("type") != "block_actions" or not user or not value:
            return response.json({"status": "ignored"})
        if self._recent.check_and_add(f"action:{actions[0].get('action_ts')}:{user}"):
            return response.json({"status": "duplicate"})
        channel = c.obj(payload.get("channel")).get("id")
        message = c.obj(payload.get("message"))
        ts, thread = message.get("ts"), message.get("thread_ts")
        if not self._admit(str(user), channel, thread):
            return response.json({"status": "rate_limited"})
        out = self._out(channel, ts, thread)
        sender = self._conversation(str(user), channel, thread or ts)
        meta = {"out_channel": channel, "thread_id": thread or ts}
        self._spawn(self._deliver(on_new_message, out, sender, str(value), meta))
        return response.json({"status": "ok"})

    async def _deliver(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        out: SlackOutput,
        sender: str,
        text: str,
        metadata: dict[str, Any],
    ) -> None:
        await on_new_message(UserMessage(text, out, sender, input_channel=self.name(), metadata=metadata))
