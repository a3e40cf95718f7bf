// The whole loop in Chromium against the real network (tests/e2e/test_reply_loop.py starts it):
// a patient consents in the web chat -> a doctor signs in to the hospital's inbox, claims the case,
// proposes an appointment -> the patient sees it in the open chat and accepts -> the doctor sees the
// acceptance. axe-core must find nothing on every page touched.
//
//   QAID_HUB_URL=... QAID_INBOX_URL=... QAID_INBOX_HOSPITAL="Herastrau Demo Hospital" \
//   QAID_DOCTOR=dr.reply QAID_DOCTOR_PASSWORD=... node --test reply.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeViolations } from "./a11y.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = resolve(HERE, "../../test-artifacts/browser");
const HUB = (process.env.QAID_HUB_URL || "").replace(/\/+$/, "");
const INBOX = (process.env.QAID_INBOX_URL || "").replace(/\/+$/, "");
const HOSPITAL = process.env.QAID_INBOX_HOSPITAL || "";
const DOCTOR = process.env.QAID_DOCTOR || "";
const PASSWORD = process.env.QAID_DOCTOR_PASSWORD || "";
const CHROMIUM = process.env.QAID_CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];
// Unique per run and letters only (the form takes a name of letters).
const PATIENT = `Ana ${Date.now().toString(36).replace(/[0-9]/g, (d) => "abcdefghij"[d]).replace(/^./, (c) => c.toUpperCase())}`;
// "loop": the whole loop, ending with the patient's page closed and a message sent meanwhile;
// "return": the patient comes back (the driver waits in between until the hub delivered that message).
const PHASE = process.env.QAID_PHASE || "loop";
const STATE = resolve(ARTIFACTS, "reply-patient-state.json");

let browser;
let patient;
let doctor;

async function accessible(p, when) {
  const found = await axeViolations(p);
  assert.deepEqual(found, [], `axe-core violations ${when}:\n${found.join("\n")}`);
}

async function say(p, text) {
  await p.locator("#message-input").fill(text);
  await p.locator("#message-input").press("Enter");
}

/** Waits until the bot messages after the first `after` contain `pattern`; returns their text. */
async function botSays(p, after, pattern, timeout = 30_000) {
  await p.waitForFunction(
    ({ after, source, flags }) => {
      const text = Array.from(document.querySelectorAll("#log .msg.bot")).slice(after).map((m) => m.textContent).join("\n");
      return new RegExp(source, flags).test(text);
    },
    { after, source: pattern.source, flags: pattern.flags },
    { timeout, polling: 200 },
  );
  return (await p.locator("#log .msg.bot").allTextContents()).slice(after).join("\n");
}

const bots = (p) => p.locator("#log .msg.bot").count();

before(async () => {
  for (const [name, value] of Object.entries({ HUB, INBOX, HOSPITAL, DOCTOR, PASSWORD })) assert.ok(value, `${name} is not set`);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000 });
  patient = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  doctor = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
});

after(async () => {
  for (const [p, name] of [[patient, "reply-patient.png"], [doctor, "reply-doctor.png"]]) {
    await p?.screenshot({ path: resolve(ARTIFACTS, name), fullPage: true }).catch(() => {});
  }
  await browser?.close();
});

test("a doctor's appointment reaches the patient, who accepts; the doctor sees it", { timeout: 240_000, skip: PHASE !== "loop" }, async () => {
  // The patient consents to be contacted, in the web chat.
  await patient.goto(`${HUB}/`);
  await patient.locator('#conn-status[data-state="online"]').waitFor({ state: "attached", timeout: 20_000 });
  let n = await bots(patient);
  await say(patient, "hi");
  await botSays(patient, n, /./);
  n = await bots(patient);
  await say(patient, "I would like an appointment");
  await botSays(patient, n, /name/i);
  n = await bots(patient);
  await say(patient, PATIENT);
  await botSays(patient, n, /phone|e-?mail|contact/i);
  n = await bots(patient);
  await say(patient, "ana.reply@example.org");
  const prompt = await botSays(patient, n, /consent|share/i);
  assert.match(prompt, new RegExp(HOSPITAL.split(" ")[0]), "the consent names the hospital whose doctor answers");
  n = await bots(patient);
  await say(patient, "yes");
  await botSays(patient, n, /anything else/i);
  n = await bots(patient);
  await say(patient, "no"); // the conversation ends: the transcript goes to the consented hospitals
  await botSays(patient, n, /sent our conversation to/i);
  await accessible(patient, "on the chat after consenting");

  // The doctor signs in, finds the case, claims it and proposes an appointment.
  await doctor.goto(`${INBOX}/`);
  await accessible(doctor, "on the sign-in page");
  await doctor.getByLabel("User name").fill(DOCTOR);
  await doctor.getByLabel("Password").fill(PASSWORD);
  await doctor.getByRole("button", { name: "Sign in" }).click();
  const deadline = Date.now() + 60_000;
  while (!(await doctor.getByRole("cell", { name: PATIENT }).count())) {
    assert.ok(Date.now() < deadline, "the transcript did not reach the inbox within 60 s");
    await doctor.waitForTimeout(1000);
    await doctor.reload();
  }
  await accessible(doctor, "on the queue");
  await doctor.getByRole("row", { name: new RegExp(PATIENT) }).getByRole("link").click();
  await doctor.getByRole("button", { name: "Claim this case" }).click();
  await doctor.getByLabel(/Date and time/).fill("2026-12-10T09:30");
  await doctor.getByLabel("Place").fill("Building B, room 12");
  await doctor.getByLabel("What to bring").fill("your MRI on a disc");
  await doctor.getByLabel("Message", { exact: true }).fill("Please come so we can examine you.");
  await doctor.getByRole("button", { name: "Propose appointment" }).click();
  await doctor.getByText("proposed an appointment").first().waitFor();
  await accessible(doctor, "on the case page with the reply queued");

  // The patient sees it in the open chat, with Accept and Decline, and accepts.
  n = await bots(patient);
  const shown = await botSays(patient, 0, new RegExp(`${HOSPITAL} replied`), 60_000);
  assert.match(shown, /Building B, room 12/);
  assert.match(shown, /your MRI on a disc/);
  await accessible(patient, "on the chat with the doctor's reply");
  n = await bots(patient);
  await patient.getByRole("button", { name: "Accept" }).last().click();
  await botSays(patient, n, /told .* that you accept the appointment/);
  await accessible(patient, "on the chat after accepting");

  // The doctor sees the acceptance on the case page (and in its audit trail).
  const until = Date.now() + 60_000;
  while (!(await doctor.getByText(/The patient accepted at/).count())) {
    assert.ok(Date.now() < until, "the acceptance did not reach the inbox within 60 s");
    await doctor.waitForTimeout(1000);
    await doctor.reload();
  }
  assert.ok(await doctor.getByRole("cell", { name: "patient accepted the appointment" }).count());
  await accessible(doctor, "on the case page with the acceptance");

  // Next visit, part one: the patient's page closes (its storage kept for part two) and the doctor
  // sends a message meanwhile. Part two runs once the driver saw the hub deliver it to the bot.
  await patient.context().storageState({ path: STATE });
  await patient.close();
  patient = undefined;
  await doctor.getByLabel(/Message to the patient/).fill("See you on the 10th.");
  await doctor.getByRole("button", { name: "Send message" }).click();
  await doctor.getByText("wrote to the patient").first().waitFor();
});

test("the next visit shows a reply that came while the page was closed", { timeout: 60_000, skip: PHASE !== "return" }, async () => {
  patient = await (await browser.newContext({ viewport: { width: 1280, height: 860 }, storageState: STATE })).newPage();
  await patient.goto(`${HUB}/`);
  await patient.locator('#conn-status[data-state="online"]').waitFor({ state: "attached", timeout: 20_000 });
  const notice = patient.locator("#reply-notice");
  await notice.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await notice.textContent(), new RegExp(`${HOSPITAL} replied while you were away`));
  await botSays(patient, 0, /See you on the 10th\./);
  await accessible(patient, "on the chat with a reply from while it was closed");
});
