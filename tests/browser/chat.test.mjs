// Headless-browser test of the Q&Aid web chat, against a running hub (and the Rasa server it points at).
//
//   QAID_HUB_URL=http://127.0.0.1:8000 QAID_DEMO_IMAGE=var/bundles/samples/brain_lesion.png \
//     node --test --test-timeout=60000 tests/browser/chat.test.mjs
//
// Uses the system Chromium (/usr/bin/chromium or $QAID_CHROMIUM); never downloads a browser.
// Screenshots go to test-artifacts/browser/ at the repository root.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeViolations, focusContrast } from "./a11y.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../..");
const ARTIFACTS = resolve(REPO, "test-artifacts/browser");
const HUB = (process.env.QAID_HUB_URL || "").replace(/\/+$/, "");
// A relative QAID_DEMO_IMAGE is taken from where the command was started (npm sets INIT_CWD), else the repo root.
const IMAGE = (() => {
  const given = process.env.QAID_DEMO_IMAGE || "";
  if (!given) return "";
  const tries = [resolve(process.env.INIT_CWD || process.cwd(), given), resolve(REPO, given)];
  return tries.find((p) => existsSync(p)) || tries[0];
})();
const CHROMIUM = process.env.QAID_CHROMIUM || "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// playwright-core's launch() gives Chromium a fresh, empty --user-data-dir of its own (and refuses one
// in args), so every run starts with no cookies or localStorage.

const T = {
  connect: 20_000,
  greet: 15_000,
  analysis: 30_000,
  answer: 20_000,
};

let browser;
let desktop; // BrowserContext
let page;
const pageErrors = [];

function shot(p, name) {
  return p.screenshot({ path: resolve(ARTIFACTS, name), fullPage: true });
}

/** axe-core finds nothing on the page as it is now (`when` names the state in the failure). */
async function assertAccessible(p, when) {
  const found = await axeViolations(p);
  assert.deepEqual(found, [], `axe-core violations ${when}:\n${found.join("\n")}`);
}

/** Number of bot messages on the page now. */
const botCount = (p) => p.locator("#log .msg.bot").count();

/** Waits until the bot messages after index `after` (joined) match every regex; returns their text. */
async function waitForBot(p, after, regexes, timeout) {
  const sources = regexes.map((r) => [r.source, r.flags]);
  try {
    await p.waitForFunction(
      ({ after, sources }) => {
        const msgs = Array.from(document.querySelectorAll("#log .msg.bot")).slice(after);
        const text = msgs.map((m) => m.textContent || "").join("\n");
        return msgs.length > 0 && sources.every(([s, f]) => new RegExp(s, f).test(text));
      },
      { after, sources },
      { timeout, polling: 200 },
    );
  } catch (err) {
    const seen = await p.locator("#log .msg.bot").allTextContents();
    throw new Error(
      `no bot reply matching ${regexes.join(" and ")} within ${timeout} ms; bot said:\n` +
        seen.slice(after).join("\n---\n") + `\n(${err.message.split("\n")[0]})`,
    );
  }
  const msgs = await p.locator("#log .msg.bot").allTextContents();
  return msgs.slice(after).join("\n");
}

/** Waits for the page's Socket.IO session with Rasa (session_confirm received). */
async function waitOnline(p) {
  try {
    await p.locator('#conn-status[data-state="online"]').waitFor({ state: "attached", timeout: T.connect });
  } catch {
    const status = await p.locator("#conn-status").textContent().catch(() => "?");
    const cfg = await p.evaluate(() => fetch("/api/v1/webchat-config").then((r) => r.text()).catch((e) => String(e)));
    throw new Error(`the page did not connect to Rasa within ${T.connect} ms (status: "${status}"; GET /api/v1/webchat-config -> ${cfg})`);
  }
}

async function say(p, text) {
  await p.locator("#message-input").fill(text);
  await p.locator("#message-input").press("Enter");
}

before(async () => {
  assert.ok(HUB, "set QAID_HUB_URL to the hub's base URL, e.g. http://127.0.0.1:8000");
  assert.ok(IMAGE && existsSync(IMAGE), `set QAID_DEMO_IMAGE to an existing image file (got ${JSON.stringify(IMAGE)})`);
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set QAID_CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000 });
  desktop = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
  desktop.setDefaultTimeout(10_000);
  page = await desktop.newPage();
  page.on("pageerror", (err) => pageErrors.push(String(err)));
});

after(async () => {
  await browser?.close();
});

test("web chat: greet, upload an image, ask about it, reload, phone layout", { timeout: 150_000 }, async (top) => {
  // Steps depend on each other: after the first failure the rest are skipped (fast, one clear error).
  let failed = false;
  const t = {
    test: (name, fn) => top.test(name, async (st) => {
      if (failed) return st.skip("an earlier step failed");
      try {
        await fn(st);
      } catch (err) {
        failed = true;
        await page?.screenshot({ path: resolve(ARTIFACTS, "zz-failure.png") }).catch(() => {});
        throw err;
      }
    }),
  };
  await t.test("page loads with the safety notice and connects to Rasa", async () => {
    const res = await page.goto(`${HUB}/`, { waitUntil: "load", timeout: 15_000 });
    assert.equal(res.status(), 200);
    const notice = page.locator("#safety-note");
    await notice.waitFor({ state: "visible", timeout: 5_000 });
    const text = await notice.textContent();
    assert.match(text, /not a diagnosis/i);
    assert.match(text, /112/);
    await waitOnline(page);
    await assertAccessible(page, "on the empty chat");
  });

  await t.test("the keyboard focus ring stands out (>= 3:1 against what is behind it)", async () => {
    for (const sel of ["#new-chat", "#message-input", "#send"]) {
      const got = await focusContrast(page, sel);
      assert.ok(!got.error, got.error);
      assert.ok(got.ratio >= 3, `${sel}: focus outline ${got.outline} on ${got.bg} is ${got.ratio.toFixed(2)}:1`);
    }
  });

  await t.test("greeting gets a bot reply", async () => {
    const n = await botCount(page);
    await say(page, "hi");
    await page.locator("#log .msg.user", { hasText: "hi" }).first().waitFor({ timeout: 2_000 });
    const reply = await waitForBot(page, n, [/\S/], T.greet);
    assert.ok(reply.trim().length > 0);
    await shot(page, "01-desktop-greeting.png");
  });

  await t.test("image upload via the file picker gets the analysis", async () => {
    const n = await botCount(page);
    await page.locator("#file-input").setInputFiles(IMAGE);
    // the user's image is shown in the conversation once the hub has stored it
    const mine = page.locator("#log .msg.user figure img").last();
    await mine.waitFor({ state: "visible", timeout: 15_000 });
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await mine.elementHandle(), { timeout: 10_000 });
    const reply = await waitForBot(page, n, [/brain/i, /\d+ of \d+/], T.analysis);
    assert.match(reply, /hospital/i);
    // the bot may send an overlay/heatmap inline: if it did, it must render
    const botImages = page.locator("#log .msg.bot figure img");
    if ((await botImages.count()) > 0) {
      await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await botImages.last().elementHandle(), { timeout: 10_000 });
    }
    assert.equal(await page.locator("#error").isVisible(), false, "no upload error shown");
    // the demo hospitals' bundles say they were trained on generated data: the page says so, and keeps it
    await page.locator("#demo-note").waitFor({ state: "visible", timeout: 10_000 });
    assert.match(await page.locator("#demo-note").innerText(), /not for clinical use/i);
    await shot(page, "02-desktop-analysis.png");
    await assertAccessible(page, "after an image analysis");
  });

  await t.test("an image enlarges in a dialog; Escape closes it and focus returns", async () => {
    const opener = page.locator("#log .msg figure button.enlarge").last();
    await opener.focus();
    await page.keyboard.press("Enter");
    const dialog = page.locator("#viewer");
    await dialog.waitFor({ state: "visible", timeout: 5_000 });
    assert.equal(await page.evaluate(() => document.getElementById("viewer").open), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "viewer-close", "focus moves into the dialog");
    await page.waitForFunction(() => document.getElementById("viewer-img").naturalWidth > 0, null, { timeout: 10_000 });
    await shot(page, "02b-desktop-enlarged.png");
    await assertAccessible(page, "with an image enlarged");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden", timeout: 5_000 });
    assert.equal(await opener.evaluate((b) => b === document.activeElement), true, "focus back on the image");
  });

  await t.test("a question about the image is answered with the hospitals' agreement", async () => {
    const n = await botCount(page);
    await say(page, "is there a lesion?");
    const reply = await waitForBot(page, n, [/\d+ of \d+ hospital|hospitals disagree/i, /not a diagnosis/i], T.answer);
    assert.match(reply, /hospital/i);
    await shot(page, "03-desktop-answer.png");
  });

  await t.test("asked for hospitals near me, the bot offers the location button", async () => {
    const n = await botCount(page);
    await say(page, "which hospitals are near me?");
    await waitForBot(page, n, [/location/i], T.answer);
    const button = page.locator("#log .msg.bot .quick button.location").last();
    await button.waitFor({ state: "visible", timeout: 5_000 });
    await assertAccessible(page, "with the location button");
  });

  await t.test("a reload keeps the conversation and the Rasa session", async () => {
    const before = await page.locator("#log .msg").count();
    const sessionBefore = await page.evaluate(() => JSON.parse(localStorage.getItem("qaid.webchat.v1") || "{}").session_id);
    assert.ok(sessionBefore, "session_id kept in localStorage");
    await page.reload({ waitUntil: "load" });
    await waitOnline(page);
    assert.equal(await page.locator("#log .msg").count(), before);
    const sessionAfter = await page.evaluate(() => JSON.parse(localStorage.getItem("qaid.webchat.v1") || "{}").session_id);
    assert.equal(sessionAfter, sessionBefore);
    assert.equal(await page.locator("#demo-note").isVisible(), true, "the demo-models notice survives a reload");
  });

  await t.test("a file that is not an image shows the hub's error", async () => {
    await page.locator("#file-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image\n") });
    const error = page.locator("#error");
    await error.waitFor({ state: "visible", timeout: 10_000 });
    const msg = (await error.textContent()).trim();
    assert.ok(msg.length > 0);
    assert.doesNotMatch(msg, /HTTP \d+/, `the hub's own message is shown, got: ${msg}`);
    await shot(page, "04-desktop-upload-error.png");
  });

  await t.test("phone-size screen: same conversation, no sideways scrolling", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: "en-US",
      storageState: await desktop.storageState(),
    });
    try {
      phone.setDefaultTimeout(10_000);
      const p = await phone.newPage();
      p.on("pageerror", (err) => pageErrors.push(String(err)));
      await p.goto(`${HUB}/`, { waitUntil: "load", timeout: 15_000 });
      await waitOnline(p);
      assert.ok((await p.locator("#log .msg.bot").count()) >= 3, "history re-rendered on the phone");
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
      for (const sel of ["#safety-note", "#message-input", "#send", "#attach-label"]) {
        const box = await p.locator(sel).boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= 844 + 1, `${sel} is on screen`);
      }
      await shot(p, "05-phone.png");
    } finally {
      await phone.close();
    }
  });

  await t.test("offline: a message is queued and says so, no typing indicator, sent on reconnect", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
    let online = false; // the socket.io connection (websocket, then long polling) fails until then
    await ctx.routeWebSocket(/\/socket\.io\//, (ws) => (online ? ws.connectToServer() : ws.close()));
    await ctx.route(/\/socket\.io\//, (route) => (online ? route.continue() : route.abort()));
    try {
      const p = await ctx.newPage();
      p.on("pageerror", (err) => pageErrors.push(String(err)));
      await p.goto(`${HUB}/`, { waitUntil: "load", timeout: 15_000 });
      await p.locator('#conn-status[data-state="reconnecting"]').waitFor({ state: "attached", timeout: T.connect });
      await say(p, "hi");
      const mine = p.locator("#log .msg.user").last();
      await mine.locator(".queued").waitFor({ state: "visible", timeout: 2_000 });
      assert.match(await mine.innerText(), /not sent yet/i);
      assert.equal(await p.locator("#typing").isVisible(), false, "no typing indicator for a queued message");
      await shot(p, "06-offline-queued.png");
      await assertAccessible(p, "while offline with a queued message");
      online = true;
      await waitOnline(p);
      await mine.locator(".queued").waitFor({ state: "detached", timeout: 5_000 });
      await waitForBot(p, 0, [/\S/], T.greet);
    } finally {
      await ctx.close();
    }
  });

  await t.test("no script errors on the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
