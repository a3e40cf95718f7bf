// Where the page finds Rasa and how large an image may be: an injected window.QAID_WEBCHAT_CONFIG,
// else the hub's config route, else the default port of Rasa's socket.io server on the page's host.

const CONFIG_URL = "/api/v1/webchat-config";

export async function loadConfig() {
  const fallback = {
    rasa_url: `${location.protocol}//${location.hostname}:5006`,
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
