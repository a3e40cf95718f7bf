"""Limits agree end to end (issue 15): what the web page lets a patient type is what every channel
accepts, and what the bot sends a HIP never exceeds the HIP's question limit."""

from __future__ import annotations

import re
from pathlib import Path

from qaid_bot.channels.common import MAX_TEXT_CHARS
from qaid_bot.nlu.question_offers import FALLBACK_TYPES
from qaid_contracts.limits import MAX_MESSAGE_CHARS, MAX_QUESTION_CHARS

WEBCHAT = Path(__file__).resolve().parents[2] / "webchat" / "index.html"


def test_the_web_page_accepts_what_the_channels_accept() -> None:
    field = re.search(r'<input[^>]*id="message-input"[^>]*>', WEBCHAT.read_text(encoding="utf-8"), re.S)
    assert field is not None
    maxlength = re.search(r'maxlength="(\d+)"', field.group(0))
    assert maxlength is not None and int(maxlength.group(1)) == MAX_MESSAGE_CHARS == MAX_TEXT_CHARS


def test_the_bot_never_sends_a_hip_a_question_over_its_limit() -> None:
    assert all(len(q) <= MAX_QUESTION_CHARS for q in FALLBACK_TYPES.values())
