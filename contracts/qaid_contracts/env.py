"""Environment variables that cross the runtime boundary: their names, defaults and meaning.

The launcher (``demo.network``, Python 3.11) derives the bot runtime's environment from the
platform's settings (``qaid.config.Settings.bot_env``); the bot (``qaid_bot.settings``, Python 3.10)
reads it. Both take names and defaults from here, so a default is never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Var",
    "HUB_URL",
    "HUB_SERVICE_TOKEN",
    "ACTIONS_URL",
    "ACTIONS_TOKEN",
    "CONVERSATION_KEY",
    "REST_TOKEN",
    "TRACKER_DB",
    "EMERGENCY_NUMBER",
    "NEARBY_RADIUS_KM",
    "NEARBY_K",
    "HIP_TIMEOUT_S",
    "INACTIVITY_S",
    "DEFAULT_LAT",
    "DEFAULT_LON",
    "DEFAULT_PLACE",
    "HOME_COUNTRY",
    "GLOSSARY_INDEX",
    "PLACES_INDEX",
    "WARMUP",
    "RETENTION_DAYS",
    "SOCKETIO_HOST",
    "SOCKETIO_PORT",
    "SOCKETIO_ORIGINS",
    "BOT_WEBHOOK_SECRET",
    "BOT_RUNTIME",
]

Value = str | int | float


@dataclass(frozen=True)
class Var:
    """One environment variable: ``name``, the value used when it is unset or empty, and what it means."""

    name: str
    default: Value
    doc: str


HUB_URL = Var("QAID_HUB_URL", "http://127.0.0.1:8000", "the hub's base URL as the bot reaches it")
HUB_SERVICE_TOKEN = Var("QAID_HUB_SERVICE_TOKEN", "", "the bot's bearer token for the hub's service routes")
ACTIONS_URL = Var("QAID_ACTIONS_URL", "http://127.0.0.1:5055/webhook", "where Rasa calls the action server")
ACTIONS_TOKEN = Var("QAID_ACTIONS_TOKEN", "", "bearer token Rasa sends and the action server requires")
CONVERSATION_KEY = Var(
    "QAID_CONVERSATION_KEY",
    "",
    "key of the conversation ids hospitals see and of the hub's image references (qaid_contracts.binding)",
)
REST_TOKEN = Var(
    "QAID_REST_TOKEN",
    "",
    "bearer token Rasa's REST channel requires (tests and integrations; the web page uses socket.io)",
)
TRACKER_DB = Var("QAID_TRACKER_DB", "", "SQLite file of Rasa's tracker store (bot/endpoints.yml)")
EMERGENCY_NUMBER = Var("QAID_EMERGENCY_NUMBER", "112", "the emergency number the bot gives")
NEARBY_RADIUS_KM = Var("QAID_NEARBY_RADIUS_KM", 25.0, "how far a 'nearby' hospital may be")
NEARBY_K = Var("QAID_NEARBY_K", 5, "how many nearby hospitals the bot asks at most")
HIP_TIMEOUT_S = Var("QAID_HIP_TIMEOUT_S", 4.0, "seconds the bot waits for one HIP call")
INACTIVITY_S = Var("QAID_INACTIVITY_S", 600.0, "idle seconds before a consented conversation ends")
# Bucharest city centre, where the demo assumes the patient is until they say otherwise.
DEFAULT_LAT = Var("QAID_DEFAULT_LAT", 44.4268, "the patient's assumed latitude")
DEFAULT_LON = Var("QAID_DEFAULT_LON", 26.1025, "the patient's assumed longitude")
DEFAULT_PLACE = Var("QAID_DEFAULT_PLACE", "Bucharest", "the name of the assumed location")
HOME_COUNTRY = Var("QAID_HOME_COUNTRY", "RO", "a place name several countries share resolves here first")
GLOSSARY_INDEX = Var("QAID_GLOSSARY_INDEX", "", "path of the glossary's SQLite index (default: bot/.cache)")
PLACES_INDEX = Var("QAID_PLACES_INDEX", "", "path of the gazetteer's SQLite index (default: bot/.cache)")
WARMUP = Var("QAID_WARMUP", 1, "0: do not build the glossary and gazetteer indexes at action-server start")
RETENTION_DAYS = Var("QAID_RETENTION_DAYS", 30.0, "days conversations and transcripts are kept")
# The web chat's socket.io server: its own port and event loop beside the Rasa server's (issue 18,
# qaid_bot/channels/socket_loop.py); the page reaches it at the hub's webchat-config rasa_url.
SOCKETIO_HOST = Var("QAID_SOCKETIO_HOST", "127.0.0.1", "interface the web chat's socket.io server listens on")
SOCKETIO_PORT = Var("QAID_SOCKETIO_PORT", 5006, "port of the web chat's socket.io server")
SOCKETIO_ORIGINS = Var(
    "QAID_SOCKETIO_ORIGINS", "", "comma-separated origins of the web chat page (CORS); empty: any origin"
)
BOT_WEBHOOK_SECRET = Var(
    "QAID_BOT_WEBHOOK_SECRET",
    "",
    "whsec_ secret the hub signs reply.available notices to the bot with (qaid_bot.channels.hub)",
)

# What the launcher hands the bot runtime (and nothing else: no data key, no admin or HIP token).
BOT_RUNTIME: tuple[Var, ...] = (
    HUB_URL,
    HUB_SERVICE_TOKEN,
    ACTIONS_URL,
    ACTIONS_TOKEN,
    CONVERSATION_KEY,
    REST_TOKEN,
    TRACKER_DB,
    EMERGENCY_NUMBER,
    NEARBY_RADIUS_KM,
    HIP_TIMEOUT_S,
    INACTIVITY_S,
    DEFAULT_LAT,
    DEFAULT_LON,
    SOCKETIO_HOST,
    SOCKETIO_PORT,
    SOCKETIO_ORIGINS,
    BOT_WEBHOOK_SECRET,
)
