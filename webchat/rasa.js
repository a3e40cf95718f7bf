// Talking to Rasa over its socketio channel (session_persistence: true): one session per
// conversation, resumed on every (re)connect; messages typed offline are queued and sent once the
// session is confirmed; the bot's replies become messages of the conversation.
import * as store from "./store.js";
import { t } from "./strings.js";
import { addMessage, renderMessage, showDemoNotice, state } from "./conversation.js";
import { clearError, el, scrollToEnd, setConn, setTyping, showError } from "./page.js";
import { ACCEPT_APPOINTMENT, BOT_EVT, DECLINE_APPOINTMENT, SHARE_IMAGE, SHARE_LOCATION, USER_EVT } from "./protocol.js";

let socket = null;
let confirmed = false; // session_confirm received on the current connection

export function sendToBot(message, metadata, display) {
  clearError();
  const payload = { message };
  if (metadata) payload.metadata = metadata;
  const online = confirmed && socket?.connected;
  // Offline, the message is queued (kept across a reload) and says so; "typing…" only once it has left.
  const msg = addMessage({ from: "user", ...display, ...(online ? {} : { queued: payload }) });
  if (online) emit(payload);
  else msg._li?.classList.add("pending");
}

function emit(payload) {
  // Rasa's SocketIOInput (session_persistence: true) ignores a message without session_id and
  // reads the metadata from the "metadata" key (metadata_key).
  socket.emit(USER_EVT, { ...payload, session_id: state.session_id });
  setTyping(true, payload.message === SHARE_IMAGE || payload.metadata?.image ? t("typing.hospitals") : undefined);
}

function flushOutbox() {
  for (const msg of state.messages) {
    if (!msg.queued || !(confirmed && socket?.connected)) continue;
    emit(msg.queued);
    delete msg.queued;
    msg._li?.classList.remove("pending");
    msg._li?.querySelector(".queued")?.remove();
  }
  store.save(state);
}

function normaliseButtons(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b === "object" && (b.payload || b.title))
    .map((b) => ({ title: String(b.title ?? b.payload), payload: String(b.payload ?? b.title) }));
}

function seen(id) {
  state.replies_seen = state.replies_seen || [];
  if (!state.replies_seen.includes(id)) state.replies_seen.push(id);
  store.save(state);
}

/** A doctor's reply as a bot message, in the words the bot uses (strings.js: reply.*). */
function replyMessage(r) {
  const lines = [t("reply.text", { hospital: r.hospital_name, doctor: r.doctor, text: r.text })];
  const appt = r.appointment && typeof r.appointment === "object" ? r.appointment : null;
  if (appt) {
    // `when`: the bot's words for the time and its zone (actions/replies.py); a reply kept before it had none.
    const at = typeof r.when === "string" && r.when ? r.when : String(appt.at).replace("T", " at ");
    lines.push(t("reply.appointment", { at, place: appt.place }));
    if (appt.bring) lines.push(t("reply.bring", { bring: appt.bring }));
    if (!r.answer) lines.push(t("reply.ask"));
  }
  const msg = { from: "bot", text: lines.join("\n") };
  if (appt && !r.answer) {
    msg.buttons = [
      { title: t("reply.accept"), payload: ACCEPT_APPOINTMENT },
      { title: t("reply.decline"), payload: DECLINE_APPOINTMENT },
    ];
  }
  return msg;
}

/** On resuming a session the server sends the conversation's replies: those this page has not shown
 * (they arrived while it was closed) are added, with a notice naming the hospital. */
function showMissedReplies(list) {
  const missed = list.filter((r) => r && typeof r.id === "string" && !(state.replies_seen || []).includes(r.id));
  for (const r of missed) {
    addMessage(replyMessage(r));
    seen(r.id);
  }
  if (missed.length) {
    const names = [...new Set(missed.map((r) => String(r.hospital_name)))].join(", ");
    el.replyNotice.textContent = t("reply.notice", { hospital: names });
    el.replyNotice.hidden = false;
  }
}

function onBotUttered(data) {
  setTyping(false);
  if (typeof data === "string") data = { text: data };
  if (!data || typeof data !== "object") return;
  if (Array.isArray(data.doctor_replies)) {
    showMissedReplies(data.doctor_replies);
    return;
  }
  if (data.notice === "doctor_reply" && typeof data.doctor_reply === "string") {
    seen(data.doctor_reply); // shown live just now (its text came as the message before)
    return;
  }
  // custom json arrives either as the whole event (json_message={"data": {...}}) or nested.
  const custom = [data.custom, data.data, data.json_message].find((c) => c && typeof c === "object") || {};
  const text = typeof data.text === "string" ? data.text : typeof custom.text === "string" ? custom.text : "";
  let image = null;
  if (typeof data.image === "string") image = data.image;
  else if (data.attachment && typeof data.attachment === "object") {
    const att = data.attachment;
    if ((att.type === "image" || !att.type) && att.payload && typeof att.payload.src === "string") image = att.payload.src;
  } else if (typeof custom.image === "string") image = custom.image;
  const buttons = normaliseButtons(data.quick_replies || data.buttons || custom.buttons || custom.quick_replies);
  const wantsLocation = data.request_location === true || custom.request_location === true;
  if (custom.notice === "demo_models" || data.notice === "demo_models") showDemoNotice();
  if (wantsLocation && !buttons.some((b) => b.payload === SHARE_LOCATION)) {
    buttons.push({ title: t("location.button"), payload: SHARE_LOCATION });
  }
  if (!text && !image && !buttons.length) return;
  const last = state.messages[state.messages.length - 1];
  if (!text && !image && last && last.from === "bot" && !(last.buttons && last.buttons.length) && last._li) {
    // buttons alone (e.g. custom json {"request_location": true}) belong under the bot's last message
    last.buttons = buttons;
    store.save(state);
    const old = last._li;
    old.replaceWith(renderMessage(last));
    scrollToEnd();
    return;
  }
  const msg = { from: "bot", text };
  if (image) msg.image = image;
  if (buttons.length) msg.buttons = buttons;
  addMessage(msg);
}

export function connect(config) {
  if (typeof window.io !== "function") {
    showError(t("error.noSocket"));
    return;
  }
  setConn("connecting");
  socket = window.io(config.rasa_url, {
    path: config.socket_path || "/socket.io/",
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 10000,
  });
  socket.on("connect", () => {
    confirmed = false;
    socket.emit("session_request", { session_id: state.session_id });
  });
  socket.on("session_confirm", (data) => {
    const sid = typeof data === "string" ? data : data && data.session_id;
    if (sid && sid !== state.session_id) {
      state.session_id = sid;
      store.save(state);
    }
    confirmed = true;
    setConn("online");
    flushOutbox();
  });
  socket.on(BOT_EVT, onBotUttered);
  // A reply emitted while the connection is down does not arrive: "typing…" would be a promise the
  // page cannot keep, so it goes; the status line says the assistant can't be reached.
  const lost = () => {
    confirmed = false;
    setTyping(false);
    setConn("reconnecting");
  };
  socket.on("disconnect", lost);
  socket.on("connect_error", lost);
}

/** Start a new Rasa session (the conversation was cleared). */
export function newSession() {
  if (socket) {
    // A new connection leaves the old session's room; session_request without an id starts a new one.
    socket.disconnect();
    socket.connect();
  }
}
