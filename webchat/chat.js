// Q&Aid web chat: Rasa's socketio channel, image upload to the hub, quick replies, location,
// history that survives a reload. Plain ES modules, no framework, no build step. This one wires the
// page's controls to the other modules and starts the page.
import * as store from "./store.js";
import { applyStatic, t } from "./strings.js";
import { setupViewer } from "./viewer.js";
import { loadConfig } from "./config.js";
import { renderHistory, setQuickReplyHandler, state } from "./conversation.js";
import { connect, newSession, sendToBot } from "./rasa.js";
import { cancelUpload, setupDragAndDrop, uploadImage } from "./upload.js";
import { shareLocation } from "./geolocation.js";
import { clearError, el, setTyping } from "./page.js";
import { SHARE_LOCATION } from "./protocol.js";

let config = null;

const upload = (file) => uploadImage(file, config);

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

function newChat() {
  if (state.messages.length && !window.confirm(t("newChat.confirm"))) return;
  cancelUpload();
  store.clear();
  state.session_id = null;
  state.messages = [];
  state.replies_seen = [];
  el.replyNotice.hidden = true;
  clearError();
  setTyping(false);
  renderHistory();
  newSession();
  el.input.focus();
}

async function main() {
  applyStatic();
  setupViewer();
  setQuickReplyHandler(onQuickReply);
  renderHistory();
  el.form.addEventListener("submit", onSubmit);
  el.file.addEventListener("change", () => upload(el.file.files && el.file.files[0]));
  el.uploadCancel.addEventListener("click", () => {
    cancelUpload();
    el.input.focus();
  });
  el.input.addEventListener("paste", (e) => {
    const file = Array.from(e.clipboardData?.files || [])[0];
    if (file) {
      e.preventDefault();
      upload(file);
    }
  });
  el.newChat.addEventListener("click", newChat);
  setupDragAndDrop(upload);
  config = await loadConfig();
  connect(config);
}

main();
