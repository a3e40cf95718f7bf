// Tap/click to enlarge an image of the conversation (the patient's image, a model's overlay): a modal
// <dialog> (focus kept inside, Escape closes, the page behind is inert), focus back on the image's
// button when it closes.
import { t } from "./strings.js";

const dialog = document.getElementById("viewer");
const big = document.getElementById("viewer-img");
const caption = document.getElementById("viewer-caption");
const closeBtn = document.getElementById("viewer-close");
let opener = null;

function open(img, trigger) {
  opener = trigger;
  big.src = img.currentSrc || img.src;
  big.alt = img.alt;
  caption.textContent = img.alt;
  dialog.showModal();
  closeBtn.focus();
}

export function setupViewer() {
  closeBtn.addEventListener("click", () => dialog.close());
  // a click on the backdrop (outside the dialog's box) closes it too
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    big.removeAttribute("src");
    opener?.focus();
    opener = null;
  });
}

/** The image inside a button that opens it enlarged; the button is named after the image. */
export function enlargeable(img) {
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "enlarge";
  btn.setAttribute("aria-label", t("img.enlarge", { alt: img.alt }));
  btn.setAttribute("aria-haspopup", "dialog");
  btn.append(img);
  btn.addEventListener("click", () => open(img, btn));
  return btn;
}
