// Conversation kept in localStorage so a reload shows the same chat and resumes the same Rasa
// session (its session_id goes back to Rasa in session_request).

const KEY = "qaid.webchat.v1";
const MAX_MESSAGES = 200;

function empty() {
  return { session_id: null, messages: [], demo_models: false, replies_seen: [] };
}

export function load() {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return empty();
    const data = JSON.parse(raw);
    if (!data || typeof data !== "object" || !Array.isArray(data.messages)) return empty();
    return {
      session_id: typeof data.session_id === "string" && data.session_id ? data.session_id : null,
      messages: data.messages.filter((m) => m && typeof m === "object"),
      demo_models: data.demo_models === true, // the bot said the hospitals' models are demo models
      // ids of doctors' replies this page has shown (live or on a later visit): each is shown once
      replies_seen: Array.isArray(data.replies_seen) ? data.replies_seen.filter((r) => typeof r === "string") : [],
    };
  } catch {
    return empty();
  }
}

function plain(state) {
  // DOM references and other runtime fields (prefixed with "_") are not stored.
  return {
    session_id: state.session_id,
    demo_models: state.demo_models === true,
    replies_seen: (state.replies_seen || []).slice(-MAX_MESSAGES),
    messages: state.messages.slice(-MAX_MESSAGES).map((m) => {
      const out = {};
      for (const [k, v] of Object.entries(m)) if (!k.startsWith("_")) out[k] = v;
      return out;
    }),
  };
}

export function save(state) {
  let data = plain(state);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(data));
      return true;
    } catch {
      // Quota: inline (data:) images are the big items; drop them from the oldest half, then trim.
      if (attempt === 0) {
        const half = Math.ceil(data.messages.length / 2);
        data.messages = data.messages.map((m, i) =>
          i < half && typeof m.image === "string" && m.image.startsWith("data:")
            ? { ...m, image: null, imageDropped: true }
            : m,
        );
      } else {
        data.messages = data.messages
          .slice(-Math.max(10, Math.floor(data.messages.length / 2)))
          .map((m) => (typeof m.image === "string" && m.image.startsWith("data:") ? { ...m, image: null, imageDropped: true } : m));
      }
    }
  }
  return false;
}

export function clear() {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    /* storage unavailable: nothing to clear */
  }
}
