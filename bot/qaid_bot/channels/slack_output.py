"""Slack replies: text, buttons (an actions block) and images (an image block for a public URL, the
bytes uploaded otherwise) to one channel and thread, or to the recipient's DM."""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from . import common as c

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com"


def web_client(token: str, api_url: str) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api_url.rstrip("/") + "/api/")


class SlackOutput(OutputChannel):
    """Posts to one channel (and thread), or to the recipient's DM when none is known."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        channel: str | None = None,
        thread_ts: str | None = None,
        hub_url: str | None = None,
        max_file_bytes: int = c.MAX_FILE_BYTES,
    ) -> None:
        self.client = web_client(token, api_url)
        self.channel, self.thread_ts = channel, thread_ts
        self.hub_url, self.max_file_bytes = hub_url, max_file_bytes

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        try:
            await super().send_response(recipient_id, message)
        except (SlackApiError, SlackClientError) as exc:  # one bad message must not drop the turn
            logger.error("slack: reply to %s failed: %s", self.channel or recipient_id, exc)

    async def _post(self, recipient_id: str, **kw: Any) -> None:
        if self.thread_ts:
            kw["thread_ts"] = self.thread_ts
        await self.client.chat_postMessage(channel=self.channel or recipient_id, **kw)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post(recipient_id, text=text, mrkdwn=True)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            data = await c.outgoing_image(image, c.hub_url(self.hub_url), self.max_file_bytes)
        except (ValueError, c.ChannelError) as exc:
            logger.warning("slack: bot image not sent: %s", exc)
            return
        if data is None:  # a public URL: Slack shows it in an image block ...
            block = {"type": "image", "image_url": image, "alt_text": "image"}
            try:
                await self._post(recipient_id, text="image", blocks=[block])
                return
            except SlackApiError as exc:  # ... unless it cannot fetch it: upload the bytes instead
                logger.info("slack: image block refused (%s); uploading it", exc.response.get("error"))
                try:
                    data = await c.download(image, self.max_file_bytes)
                except c.ChannelError:
                    raise exc from None
        # files_upload_v2: files.getUploadURLExternal, POST the bytes, files.completeUploadExternal
        kw: dict[str, Any] = {"thread_ts": self.thread_ts} if self.thread_ts else {}
        await self.client.files_upload_v2(
            channel=self.channel or recipient_id,
            file=data[0],
            filename=c.filename_for(data[1]),
            title="Q&Aid image",
            **kw,
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) > 25:  # Slack's limit of elements in an actions block
            await self.send_text_message(recipient_id, text)
            return
        elements = [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": str(b.get("title", ""))[:75]},
                "value": str(b.get("payload") or b.get("title") or "")[:2000],
            }
            for b in buttons
        ]
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}},
            {"type": "actions", "elements": elements},
        ]
        await self._post(recipient_id, text=text, blocks=blocks)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        payload = dict(json_message)
        # Slack has no location share: the bot's text already asked for a town instead
        payload.pop("request_location", None)
        payload.pop("notice", None)  # a notice for the web page; the text came as its own message
        payload.pop("doctor_reply", None)  # the id of a reply the web page marks as shown
        if not payload:
            return
        recipient_id = str(payload.pop("channel", recipient_id))
        await self._post(recipient_id, **payload)
