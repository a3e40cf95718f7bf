// Q&Aid web chat: Rasa's socketio channel, image upload to the hub, quick replies, location,
// history that survives a reload. Plain ES module, no framework, no build step.
import * as store from "./store.js";
import { applyStatic, t } from "./strings.js";
import { enlargeable, setupViewer } from "./viewer.js";

const CONFIG_URL = "/api/v1/webchat-config";
const UPLOAD_URL = "/api/v1/images";
const USER_EVT = "user_uttered"; // bot/credentials.yml
const BOT_EVT = "bot_uttered";
const SHARE_IMAGE = "/share_image";
const SHARE_LOCATION = "/share_location";
const TYPING_TIMEOUT_MS = 90_000;

const $ = (id) => document.getElementById(id);
const el = {
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
};

const state = store.load();
let config = null;
let socket = null;
let confirmed = false; // session_confirm received on the current connection
let typingTimer = null;
let currentUpload = null;

// ---------------------------------------------------------------- config

async function loadConfig() {
  const fallback = {
    rasa_url: `${location.protocol}//${location.hostname}:5005`,
    socket_path: "/socket.io/",
    max_image_bytes: null,
  };
  if (window.QAID_WEBCHAT_CONFIG && typeof window.QAID_WEBCHAT_CONFIG === "object") {
    return { ...fallback, ...window.QAID_WEBCHAT_CONFIG };
  }
  try {
    const res = await fetch(CONFIG_URL, { cache: "no-store", headers: { Accept: "application/json" } });
    if (res.ok) {
      const body = await res.json();
      if (body && typeof body === "object") {
        const merged = { ...fallback };
        for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined && v !== "") merged[k] = v;
        return merged;
      }
    }
  } catch {
    /* no config endpoint: use the fallback */
  }
  return fallback;
}

// ---------------------------------------------------------------- rendering

const URL_RE = /\bhttps?:\/\/[^\s<>"')]+[^\s<>"').,;:!?]/g;

function appendText(node, text) {
  // Plain text with http(s) links made clickable; never innerHTML.
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index > last) node.append(text.slice(last, m.index));
    const a = document.createElement("a");
    a.href = m[0];
    a.textContent = m[0];
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    node.append(a);
    last = m.index + m[0].length;
  }
  if (last < text.length) node.append(text.slice(last));
}

function safeImageSrc(src) {
  if (typeof src !== "string" || !src) return null;
  if (/^data:image\/(png|jpe?g|gif|webp);base64,/i.test(src)) return src;
  try {
    const u = new URL(src, location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

function renderImage(msg) {
  const fig = document.createElement("figure");
  const src = safeImageSrc(msg.image);
  if (src) {
    const img = document.createElement("img");
    img.src = src;
    img.alt = msg.imageAlt || t(msg.from === "bot" ? "img.bot" : "img.user");
    img.loading = "lazy";
    img.decoding = "async";
    img.addEventListener("load", () => scrollToEnd());
    img.addEventListener("error", () => {
      const missing = document.createElement("span");
      missing.className = "img-missing";
      missing.textContent = t("img.missing");
      button.replaceWith(missing);
    });
    const button = enlargeable(img);
    fig.append(button);
  } else {
    const missing = document.createElement("span");
    missing.className = "img-missing";
    missing.textContent = t(msg.imageDropped ? "img.dropped" : "img.notShown");
    fig.append(missing);
  }
  if (msg.caption) {
    const cap = document.createElement("figcaption");
    cap.textContent = msg.caption;
    fig.append(cap);
  }
  return fig;
}

function renderButtons(msg, li) {
  const box = document.createElement("div");
  box.className = "quick";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", t("quick.label"));
  for (const b of msg.buttons) {
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = b.title;
    btn.dataset.payload = b.payload;
    if (b.payload === SHARE_LOCATION) btn.classList.add("location");
    if (msg.chosen !== undefined && msg.chosen !== null) {
      btn.disabled = true;
      if (msg.chosen === b.payload) btn.classList.add("chosen");
    }
    btn.addEventListener("click", () => onQuickReply(msg, b, li));
    box.append(btn);
  }
  return box;
}

function renderMessage(msg) {
  const li = document.createElement("li");
  li.className = `msg ${msg.from}`;
  if (msg.queued) li.classList.add("pending");
  if (msg.from !== "system") {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = t(msg.from === "bot" ? "who.bot" : "who.user");
    li.append(who);
  }
  if (msg.text) {
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    appendText(bubble, msg.text);
    li.append(bubble);
  }
  if (msg.image || msg.imageDropped) li.append(renderImage(msg));
  if (Array.isArray(msg.buttons) && msg.buttons.length) li.append(renderButtons(msg, li));
  if (msg.queued) {
    const note = document.createElement("p");
    note.className = "queued";
    note.textContent = t("queued");
    li.append(note);
  }
  msg._li = li;
  return li;
}

function scrollToEnd() {
  el.chat.scrollTop = el.chat.scrollHeight;
}

function addMessage(msg, { persist = true } = {}) {
  removeIntro();
  msg.ts = msg.ts || new Date().toISOString();
  if (persist) {
    state.messages.push(msg);
    store.save(state);
  }
  el.log.append(renderMessage(msg));
  scrollToEnd();
  return msg;
}

function renderHistory() {
  el.log.replaceChildren();
  for (const msg of state.messages) el.log.append(renderMessage(msg));
  el.demo.hidden = !state.demo_models;
  if (!state.messages.length) showIntro();
  scrollToEnd();
}

function showIntro() {
  const li = document.createElement("li");
  li.className = "msg system intro";
  const b = document.createElement("div");
  b.className = "bubble";
  b.textContent = t("intro");
  li.append(b);
  el.log.append(li);
}

function removeIntro() {
  el.log.querySelector(".intro")?.remove();
}

function setTyping(on, what = t("typing")) {
  clearTimeout(typingTimer);
  el.typing.hidden = !on;
  if (on) el.typingText.textContent = what;
  if (on) {
    typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
    scrollToEnd();
  }
}

// The bot said (once, at the first image) that the hospitals' models are demo models: the page keeps
// that on screen for the rest of the conversation, across reloads.
function showDemoNotice() {
  el.demo.hidden = false;
  if (!state.demo_models) {
    state.demo_models = true;
    store.save(state);
  }
}

function showError(text) {
  el.error.textContent = text;
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
  el.error.textContent = "";
}

function setConn(kind) {
  if (el.conn.dataset.state === kind) return;
  el.conn.dataset.state = kind;
  el.conn.textContent = t(`conn.${kind}`);
}

// ---------------------------------------------------------------- talking to Rasa

function sendToBot(message, metadata, display) {
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

function onBotUttered(data) {
  setTyping(false);
  if (typeof data === "string") data = { text: data };
  if (!data || typeof data !== "object") return;
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

function connect() {
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

// ---------------------------------------------------------------- user actions

function onSubmit(event) {
  event.preventDefault();
  const text = el.input.value.trim();
  if (!text) {
    el.input.focus();
    return;
  }
  el.input.value = "";
  sendToBot(text, null, { text });
  el.input.focus();
}

function markChosen(msg, li, payload) {
  msg.chosen = payload;
  store.save(state);
  for (const btn of li.querySelectorAll(".quick button")) {
    btn.disabled = true;
    if (btn.dataset.payload === payload) btn.classList.add("chosen");
  }
}

function onQuickReply(msg, button, li) {
  if (msg.chosen !== undefined && msg.chosen !== null) return;
  if (button.payload === SHARE_LOCATION) {
    shareLocation(() => markChosen(msg, li, button.payload));
    return;
  }
  markChosen(msg, li, button.payload);
  sendToBot(button.payload, null, { text: button.title });
  el.input.focus();
}

function shareLocation(onShared) {
  clearError();
  if (!("geolocation" in navigator)) {
    showError(t("location.unsupported"));
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      const lat = Number(pos.coords.latitude.toFixed(5));
      const lon = Number(pos.coords.longitude.toFixed(5));
      onShared?.();
      sendToBot(SHARE_LOCATION, { location: { lat, lon } }, {
        text: t("location.sent", { lat: lat.toFixed(2), lon: lon.toFixed(2) }),
      });
      el.input.focus();
    },
    (err) => {
      showError(t(err && err.code === 1 ? "location.refused" : "location.failed"));
    },
    { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
  );
}

// ---------------------------------------------------------------- image upload

function isDisplayable(file) {
  return /^image\/(png|jpeg)$/i.test(file.type) || (!file.type && /\.(png|jpe?g)$/i.test(file.name));
}

function mb(n) {
  return (n / 2 ** 20).toFixed(1);
}

function resetUpload() {
  if (currentUpload?.previewUrl) URL.revokeObjectURL(currentUpload.previewUrl);
  currentUpload = null;
  el.upload.hidden = true;
  el.uploadPreview.hidden = true;
  el.uploadPreview.removeAttribute("src");
  el.uploadBadge.hidden = true;
  el.uploadProgress.value = 0;
  el.file.disabled = false;
  el.attach.removeAttribute("aria-disabled");
  el.file.value = "";
}

function uploadError(xhr) {
  let body = null;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    /* not JSON */
  }
  if (body && body.error && typeof body.error.message === "string") return body.error.message;
  if (xhr.status === 413 || xhr.status === 415) return t(`error.${xhr.status}`);
  return t("error.http", { status: xhr.status });
}

function uploadImage(file) {
  if (!file) return;
  if (currentUpload) {
    showError(t("error.busy"));
    return;
  }
  if (!state.session_id) {
    showError("Still connecting to Q&Aid — please attach the image again in a moment.");
    return;
  }
  clearError();
  if (file.size === 0) {
    showError(t("error.empty"));
    return;
  }
  const max = Number(config?.max_image_bytes) || 0;
  if (max && file.size > max) {
    showError(t("error.tooLarge", { size: mb(file.size), max: mb(max) }));
    return;
  }
  const displayable = isDisplayable(file);
  const up = { file, previewUrl: null, xhr: new XMLHttpRequest() };
  currentUpload = up;
  if (displayable) {
    up.previewUrl = URL.createObjectURL(file);
    el.uploadPreview.src = up.previewUrl;
    el.uploadPreview.alt = t("upload.preview", { name: file.name });
    el.uploadPreview.hidden = false;
  } else {
    el.uploadBadge.textContent = t(/\.(dcm|dicom)$/i.test(file.name) || file.type === "application/dicom" ? "badge.dicom" : "badge.file");
    el.uploadBadge.hidden = false;
  }
  el.uploadLabel.textContent = t("upload.progress", { pct: 0, name: file.name });
  el.uploadProgress.value = 0;
  el.upload.hidden = false;
  el.file.disabled = true;
  el.attach.setAttribute("aria-disabled", "true");

  const xhr = up.xhr;
  xhr.open("POST", UPLOAD_URL);
  xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
  // The hub binds the image to this conversation (a reference only the bot can check), so the image
  // can be attached to this conversation and no other. Without a session yet, it cannot be attached.
  if (state.session_id) xhr.setRequestHeader("X-Qaid-Sender", state.session_id);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.timeout = 120000;
  xhr.upload.addEventListener("progress", (e) => {
    if (!e.lengthComputable) return;
    const pct = Math.round((e.loaded / e.total) * 100);
    el.uploadProgress.value = pct;
    el.uploadLabel.textContent = t("upload.progress", { pct, name: file.name });
  });
  xhr.upload.addEventListener("load", () => {
    el.uploadProgress.value = 100;
    el.uploadLabel.textContent = t("upload.checking", { name: file.name });
  });
  xhr.addEventListener("load", () => {
    if (currentUpload !== up) return;
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch {
      /* handled below */
    }
    if (xhr.status >= 200 && xhr.status < 300 && body && body.image_id && body.url) {
      resetUpload();
      sendToBot(SHARE_IMAGE, { image: body }, {
        image: displayable ? body.url : null,
        imageAlt: t("img.userNamed", { name: file.name }),
        text: displayable ? "" : t("file.sent", { name: file.name }),
        caption: displayable ? file.name : undefined,
      });
      el.input.focus();
    } else {
      resetUpload();
      showError(uploadError(xhr));
    }
  });
  xhr.addEventListener("error", () => {
    if (currentUpload !== up) return;
    resetUpload();
    showError(t("error.network"));
  });
  xhr.addEventListener("timeout", () => {
    if (currentUpload !== up) return;
    resetUpload();
    showError(t("error.timeout"));
  });
  xhr.addEventListener("abort", () => {
    if (currentUpload === up) resetUpload();
  });
  xhr.send(file);
}

function setupDragAndDrop() {
  let depth = 0;
  const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    el.drop.hidden = false;
  });
  document.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  document.addEventListener("dragleave", (e) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) el.drop.hidden = true;
  });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    el.drop.hidden = true;
    const file = e.dataTransfer.files && e.dataTransfer.files[0];
    if (file) uploadImage(file);
  });
}

function newChat() {
  if (state.messages.length && !window.confirm(t("newChat.confirm"))) return;
  currentUpload?.xhr.abort();
  store.clear();
  state.session_id = null;
  state.messages = [];
  clearError();
  setTyping(false);
  renderHistory();
  if (socket) {
    // A new connection leaves the old session's room; session_request without an id starts a new one.
    socket.disconnect();
    socket.connect();
  }
  el.input.focus();
}

// ---------------------------------------------------------------- start

async function main() {
  applyStatic();
  setupViewer();
  renderHistory();
  el.form.addEventListener("submit", onSubmit);
  el.file.addEventListener("change", () => uploadImage(el.file.files && el.file.files[0]));
  el.uploadCancel.addEventListener("click", () => {
    currentUpload?.xhr.abort();
    el.input.focus();
  });
  el.input.addEventListener("paste", (e) => {
    const file = Array.from(e.clipboardData?.files || [])[0];
    if (file) {
      e.preventDefault();
      uploadImage(file);
    }
  });
  el.newChat.addEventListener("click", newChat);
  setupDragAndDrop();
  config = await loadConfig();
  connect();
}

main();
