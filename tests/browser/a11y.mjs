// Accessibility checks for the browser tests: axe-core (pinned in package.json, injected from
// node_modules, nothing fetched) and the contrast of the focus indicator.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe's violations on the page as it is now: every rule axe runs by default (WCAG 2.0-2.2 A/AA and
 * best practices such as "region"), as "rule: target (summary)" lines. Injected with evaluate, which
 * the page's Content-Security-Policy does not apply to. */
export async function axeViolations(page) {
  const found = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const res = await window.axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${n.target.join(" ")} (${n.failureSummary.split("\n")[1] || ""})`) }));
  }, AXE_SOURCE);
  return found.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n}`));
}

/** Contrast ratio (WCAG) of the focused element's outline against the background behind it, for
 * the element `selector` focused from the keyboard (Tab until it has focus). */
export async function focusContrast(page, selector) {
  await page.locator("body").focus();
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((sel) => document.activeElement?.matches(sel), selector)) break;
  }
  return page.evaluate((sel) => {
    const node = document.activeElement;
    if (!node?.matches(sel)) return { error: `${sel} never got the keyboard focus` };
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const style = getComputedStyle(node);
    let bgNode = node.parentElement;
    let bg = "rgb(255, 255, 255)";
    while (bgNode) {
      const c = getComputedStyle(bgNode).backgroundColor;
      const parts = rgb(c);
      if (parts.length >= 3 && (parts.length < 4 || parts[3] > 0)) { bg = c; break; }
      bgNode = bgNode.parentElement;
    }
    const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(bg))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    return { ratio, outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, bg };
  }, selector);
}
