// Image upload to the hub (file picker, paste, drag and drop): a preview and progress while it goes,
// then the hub's reference is sent to the bot as /share_image. One upload at a time.
import { t } from "./strings.js";
import { state } from "./conversation.js";
import { sendToBot } from "./rasa.js";
import { clearError, el, showError } from "./page.js";
import { SHARE_IMAGE } from "./protocol.js";

const UPLOAD_URL = "/api/v1/images";

let currentUpload = null;

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

/** Upload `file` (checked against `config.max_image_bytes`, the hub's limit, when known). */
export function uploadImage(file, config) {
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
  showUpload(up, displayable);
  send(up, displayable);
}

/** Stop the upload under way, if any (its panel goes). */
export function cancelUpload() {
  currentUpload?.xhr.abort();
}

function showUpload(up, displayable) {
  const file = up.file;
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
}

function send(up, displayable) {
  const { file, xhr } = up;
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
    if (currentUpload === up) uploaded(up, displayable);
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

function uploaded(up, displayable) {
  const { file, xhr } = up;
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
}

/** A file dropped anywhere on the page goes to `onFile`; the drop hint shows while one is dragged over. */
export function setupDragAndDrop(onFile) {
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
    if (file) onFile(file);
  });
}
