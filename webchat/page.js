// The page's elements and its status lines: the typing indicator, the error line, the connection
// status.
import { t } from "./strings.js";

const TYPING_TIMEOUT_MS = 90_000;

const $ = (id) => document.getElementById(id);
export const el = {
  log: $("log"),
  chat: $("chat"),
  typing: $("typing"),
  typingText: $("typing-text"),
  drop: $("drop-hint"),
  conn: $("conn-status"),
  form: $("composer"),
  input: $("message-input"),
  send: $("send"),
  file: $("file-input"),
  attach: $("attach-label"),
  upload: $("upload"),
  uploadPreview: $("upload-preview"),
  uploadBadge: $("upload-file-badge"),
  uploadLabel: $("upload-label"),
  uploadProgress: $("upload-progress"),
  uploadCancel: $("upload-cancel"),
  error: $("error"),
  newChat: $("new-chat"),
  demo: $("demo-note"),
  replyNotice: $("reply-notice"),
};

let typingTimer = null;

export function scrollToEnd() {
  el.chat.scrollTop = el.chat.scrollHeight;
}

export function setTyping(on, what = t("typing")) {
  clearTimeout(typingTimer);
  el.typing.hidden = !on;
  if (on) el.typingText.textContent = what;
  if (on) {
    typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
    scrollToEnd();
  }
}

export function showError(text) {
  el.error.textContent = text;
  el.error.hidden = false;
}

export function clearError() {
  el.error.hidden = true;
  el.error.textContent = "";
}

export function setConn(kind) {
  if (el.conn.dataset.state === kind) return;
  el.conn.dataset.state = kind;
  el.conn.textContent = t(`conn.${kind}`);
}
