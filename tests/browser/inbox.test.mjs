// The hospital inbox's doctor pages in headless Chromium, with axe-core on every page.
//
// Starts its own seeded inbox (inbox_server.py: the demo hospital titan, one doctor, two signed
// transcripts) with the platform venv's Python ($QAID_PYTHON or .venv/bin/python at the repo root),
// then: sign-in page, a wrong password, sign in, the queue (urgent first), a filter, the case page,
// claim, a note, a status change, the phone viewport, sign out. axe-core runs on each page with all
// its default rules (WCAG 2.0/2.1/2.2 A and AA plus best practices) and must report 0 violations.
// Uses the system Chromium (/usr/bin/chromium or $QAID_CHROMIUM); never downloads a browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../..");
const ARTIFACTS = resolve(REPO, "test-artifacts/browser");
const CHROMIUM = process.env.QAID_CHROMIUM || "/usr/bin/chromium";
const PYTHON = process.env.QAID_PYTHON || resolve(REPO, ".venv/bin/python");
const AXE = readFileSync(resolve(HERE, "node_modules/axe-core/axe.min.js"), "utf8");

let server;
let varDir;
let browser;
let inbox; // {url, username, password}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

async function startInbox() {
  varDir = mkdtempSync(join(tmpdir(), "qaid-inbox-browser-"));
  const env = { ...process.env, PYTHONPATH: `${REPO}:${REPO}/contracts` };
  server = spawn(PYTHON, [resolve(HERE, "inbox_server.py"), String(await freePort()), varDir], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  server.stderr.on("data", (d) => (err += d));
  return new Promise((ok, fail) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) ok(JSON.parse(line));
    });
    server.on("exit", (code) => fail(new Error(`inbox_server.py exited ${code}: ${err.slice(-3000)}`)));
  });
}

/** axe-core's violations on the page now, as "rule: target" lines (empty: none). */
async function axe(page, name) {
  await page.addScriptTag({ content: AXE });
  const { violations, passes } = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return { violations: r.violations, passes: r.passes.length };
  });
  assert.ok(passes > 10, `axe-core checked almost nothing on ${name} (${passes} rules passed)`);
  await page.screenshot({ path: resolve(ARTIFACTS, `inbox-${name}.png`), fullPage: true });
  return violations.flatMap((v) => v.nodes.map((n) => `${name}: ${v.id} (${v.impact}) at ${n.target.join(" ")}`));
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  inbox = await startInbox();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (varDir) rmSync(varDir, { recursive: true, force: true });
});

test("a doctor signs in, works a case, signs out; axe finds no violation on any page", async () => {
  // axe is injected as an inline script, which the inbox's CSP rightly refuses (tested in tests/hub)
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  const found = [];

  await page.goto(`${inbox.url}/`);
  assert.match(page.url(), /\/signin\?next=%2F$/, "an anonymous visit goes to sign-in");
  found.push(...(await axe(page, "signin")));

  await page.getByLabel("User name").fill(inbox.username);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor();
  found.push(...(await axe(page, "signin-error")));

  await page.getByLabel("Password").fill(inbox.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Patient cases" }).waitFor();
  const rows = await page.locator("tbody tr").allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /urgent — red flag/);
  assert.match(rows[0], /Is it a stroke\?/);
  found.push(...(await axe(page, "queue")));

  await page.getByLabel("Search").fill("stroke");
  await page.getByRole("button", { name: "Show" }).click();
  assert.equal(await page.locator("tbody tr").count(), 1);
  found.push(...(await axe(page, "queue-filtered")));

  await page.getByRole("link", { name: /Is it a stroke/ }).click();
  await page.getByRole("heading", { name: "Image 1", exact: true }).waitFor();
  found.push(...(await axe(page, "case")));

  await page.getByRole("button", { name: "Claim this case" }).click();
  await page.getByText("claimed by ana").waitFor();
  await page.getByLabel(/Add a note/).fill("Called the patient; MRI booked for Monday.");
  await page.getByRole("button", { name: "Save note" }).click();
  await page.getByText("MRI booked for Monday.").waitFor();
  await page.getByRole("button", { name: "Mark as patient contacted" }).click();
  await page.getByText("in review → patient contacted").waitFor();
  found.push(...(await axe(page, "case-worked")));

  await page.setViewportSize({ width: 390, height: 844 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  const wide = await page.evaluate(() => [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`));
  assert.equal(sideways, false, `the case page scrolls sideways on a phone: ${wide.join(", ")}`);
  found.push(...(await axe(page, "case-phone")));

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.goto(`${inbox.url}/transcripts/msg_urgent`);
  assert.match(page.url(), /\/signin/, "after sign-out the case needs a new sign-in");

  await context.close();
  assert.deepEqual(found, [], `axe-core violations:\n${found.join("\n")}`);
});
