// The conversation: what store.js keeps (messages, Rasa session id, the demo-models notice) and its
// rendering in the log. Text is only ever set as text, never as HTML.
import * as store from "./store.js";
import { t } from "./strings.js";
import { enlargeable } from "./viewer.js";
import { el, scrollToEnd } from "./page.js";
import { SHARE_LOCATION } from "./protocol.js";

export const state = store.load();

// What a tap on a quick reply does (chat.js sets it at start): sending it needs the Rasa connection,
// which itself renders messages, so the handler is handed in rather than imported.
let quickReply = () => {};

export function setQuickReplyHandler(handler) {
  quickReply = handler;
}

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
    btn.addEventListener("click", () => quickReply(msg, b, li));
    box.append(btn);
  }
  return box;
}

export function renderMessage(msg) {
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

export function addMessage(msg, { persist = true } = {}) {
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

export function renderHistory() {
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

// The bot said (once, at the first image) that the hospitals' models are demo models: the page keeps
// that on screen for the rest of the conversation, across reloads.
export function showDemoNotice() {
  el.demo.hidden = false;
  if (!state.demo_models) {
    state.demo_models = true;
    store.save(state);
  }
}
