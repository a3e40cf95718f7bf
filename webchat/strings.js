// Every text of the web chat page, in one place, ready for translation: index.html holds only
// data-i18n keys (filled by applyStatic at start), the page's modules call t(). A translation
// is another object with the same keys; {name} placeholders are filled by t(key, {name: ...}).
// Bot messages come from the bot and are not translated here.

export const LANG = "en";

const EN = {
  "page.title": "Q&Aid — ask about your medical image",
  "skip": "Skip to the message box",
  "brand": "Q&Aid",
  "tagline": "Ask about your medical image — nearby hospitals' models answer.",
  "newChat": "New chat",
  "newChat.title": "Forget this conversation on this device and start again",
  "newChat.confirm": "Start a new chat? This conversation will be forgotten on this device.",
  "safety.title": "Not a diagnosis",
  "safety.emergency": "— for emergencies call",
  "safety.number": "112",
  "demo.title": "Demo models",
  "demo.text": "trained on generated images — not for clinical use.",
  "log.title": "Conversation",
  "log.label": "Messages",
  "typing": "Q&Aid is typing…",
  "typing.hospitals": "Q&Aid is asking the nearby hospitals…",
  "drop.title": "Drop your image here to send it",
  "drop.kinds": "PNG, JPEG or DICOM",
  "upload.cancel": "Cancel",
  "upload.start": "Uploading…",
  "upload.progress": "Uploading {pct}% — {name}",
  "upload.checking": "Uploaded — checking {name}…",
  "upload.preview": "Preview of {name}",
  "badge.dicom": "DICOM",
  "badge.file": "FILE",
  "attach": "Attach a medical image",
  "message.label": "Your message",
  "message.placeholder": "Type a message…",
  "send": "Send",
  "hint": "You can also drag an image onto the chat. Images go to the Q&Aid hub and nearby hospitals' models.",
  "conn.connecting": "Connecting to the assistant…",
  "conn.online": "Connected.",
  "conn.reconnecting": "The assistant can't be reached right now — reconnecting…",
  "who.bot": "Q&Aid",
  "who.user": "You",
  "intro": "Say hi, or attach a medical image (MRI, CT, X-ray) to start.",
  "queued": "Not sent yet — waiting for the connection. It will be sent automatically.",
  "quick.label": "Suggested replies",
  "location.button": "Share my location",
  "location.sent": "My location ({lat}, {lon})",
  "location.unsupported": "This browser can't share a location. You can type your city instead, e.g. \"I'm in Cluj\".",
  "location.refused": "Location permission was refused. You can type your city instead, e.g. \"I'm in Cluj\".",
  "location.failed": "Your location could not be found. You can type your city instead, e.g. \"I'm in Cluj\".",
  "img.bot": "Image from Q&Aid (a model's overlay — not a diagnosis)",
  "img.user": "Your image",
  "img.userNamed": "Your image {name}",
  "img.missing": "The image is no longer available.",
  "img.dropped": "Image not kept on this device.",
  "img.notShown": "Image not shown.",
  "img.enlarge": "Enlarge: {alt}",
  "viewer.close": "Close",
  "viewer.label": "Enlarged image",
  "file.sent": "Sent the file {name}",
  "reply.notice": "{hospital} replied while you were away — their message is in the conversation below.",
  "reply.text": "{hospital} replied ({doctor}): {text}",
  "reply.appointment": "Appointment: {at}, {place}.",
  "reply.bring": "Please bring: {bring}.",
  "reply.ask": "Would you like to accept this appointment?",
  "reply.accept": "Accept",
  "reply.decline": "Decline",
  "error.noSocket": "The chat could not start (socket.io script missing). Please reload the page.",
  "error.busy": "Please wait until the current image has been sent.",
  "error.empty": "That file is empty.",
  "error.tooLarge": "The image is {size} MB; the limit is {max} MB.",
  "error.413": "The image is too large.",
  "error.415": "That file is not a PNG, JPEG or DICOM image.",
  "error.http": "The upload failed (HTTP {status}). Please try again.",
  "error.network": "The upload failed — the image may be too large, or the connection dropped. Please try again.",
  "error.timeout": "The upload took too long. Please try again.",
};

export const STRINGS = EN;

/** The text for `key` with {placeholders} filled; an unknown key is shown as itself (easy to spot). */
export function t(key, vars = {}) {
  const text = Object.hasOwn(STRINGS, key) ? STRINGS[key] : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Fills the page's static texts: data-i18n (text) and data-i18n-ATTR (that attribute). */
export function applyStatic(root = document) {
  document.documentElement.lang = LANG;
  document.title = t("page.title");
  for (const node of root.querySelectorAll("*")) {
    for (const { name, value } of Array.from(node.attributes)) {
      if (name === "data-i18n") node.textContent = t(value);
      else if (name.startsWith("data-i18n-")) node.setAttribute(name.slice("data-i18n-".length), t(value));
    }
  }
}
