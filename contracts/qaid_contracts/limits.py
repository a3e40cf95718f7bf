"""Sizes and lengths that more than one process enforces, so they agree end to end.

A limit the bot does not know becomes a confusing failure: a HIP refusing a 600-character question
with 422 while the patient is told the hospitals were "unreachable", or a long place name making
every transcript post fail. Each value is checked where data enters and respected where it is
produced.
"""

from __future__ import annotations

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_QUESTION_CHARS",
    "MAX_MESSAGE_CHARS",
    "MAX_CHANNEL_BODY_BYTES",
    "MAX_HUB_JSON_BYTES",
    "ID_PATTERN",
    "MAX_ID_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_SHORT_TEXT_CHARS",
    "MAX_FINDING_QUESTION_CHARS",
    "MAX_CONSENT_STATEMENT_CHARS",
    "MAX_CONSENT_HOSPITALS",
    "MAX_NAME_CHARS",
    "MAX_PHONE_CHARS",
    "PHONE_PATTERN",
    "MAX_EMAIL_CHARS",
    "EMAIL_PATTERN",
    "MAX_MODEL_VERSION_CHARS",
    "MAX_DETAIL_DEPTH",
    "MAX_MESSAGES",
    "MAX_IMAGES",
    "MAX_FINDINGS",
    "MAX_CONSENSUS",
    "MAX_SYMPTOMS",
    "MAX_DEFINITIONS",
]

# An image: the hub's store, every HIP's upload, the channels' downloads (also Telegram's getFile cap).
MAX_IMAGE_BYTES = 20 * 2**20
# Decoded pixels of one image (width x height): a decompression bomb stops here.
MAX_IMAGE_PIXELS = 40_000_000

# A question to a HIP's VQA model.
MAX_QUESTION_CHARS = 500
# Typed text of one chat message on every channel (Telegram's own limit). Rasa's NLU slows with
# length and a transcript message holds at most MAX_TEXT_CHARS.
MAX_MESSAGE_CHARS = 4096
# A channel's JSON body (a REST message, a Telegram update, a Slack event): real ones are a few kB.
MAX_CHANNEL_BODY_BYTES = 1 * 2**20
# A JSON body the hub accepts (transcripts, registrations).
MAX_HUB_JSON_BYTES = 2 * 2**20

# Transcript fields: generous bounds that stop a runaway or hostile producer from storing megabytes,
# far above what a real conversation produces.
ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
MAX_ID_CHARS = 128
MAX_TEXT_CHARS = 10_000
MAX_SHORT_TEXT_CHARS = 200  # hospital names, ended reasons, place names
MAX_FINDING_QUESTION_CHARS = 2_000
MAX_CONSENT_STATEMENT_CHARS = 2_000
MAX_CONSENT_HOSPITALS = 50
MAX_NAME_CHARS = 200
MAX_PHONE_CHARS = 40
PHONE_PATTERN = r"^[0-9+()\-. ]+$"
MAX_EMAIL_CHARS = 254
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MAX_MODEL_VERSION_CHARS = 200
# How deep a finding's free-form ``detail`` may nest: real details are flat or one level deep, and
# hundreds of levels overflow the serialiser behind every store and rendering.
MAX_DETAIL_DEPTH = 8
MAX_MESSAGES = 1_000
MAX_IMAGES = 50
MAX_FINDINGS = 500
MAX_CONSENSUS = 200
MAX_SYMPTOMS = 100
MAX_DEFINITIONS = 100
