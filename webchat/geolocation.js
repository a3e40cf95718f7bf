// Sharing the patient's location with the bot (/share_location): the browser's position (it asks the
// patient first), rounded to 5 decimals (about a metre).
import { t } from "./strings.js";
import { sendToBot } from "./rasa.js";
import { clearError, el, showError } from "./page.js";
import { SHARE_LOCATION } from "./protocol.js";

/** Ask the browser for the position and send it; `onShared` runs once there is one to send. */
export function shareLocation(onShared) {
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
