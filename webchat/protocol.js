// What the page and the bot agree on: the socketio events (bot/credentials.yml) and the payloads
// the page sends for an image and a location (the bot's share_image and share_location intents).

export const USER_EVT = "user_uttered";
export const BOT_EVT = "bot_uttered";
export const SHARE_IMAGE = "/share_image";
export const SHARE_LOCATION = "/share_location";
// The patient's answer to a doctor's proposed appointment (the bot's buttons send the same).
export const ACCEPT_APPOINTMENT = "/accept_appointment";
export const DECLINE_APPOINTMENT = "/decline_appointment";
