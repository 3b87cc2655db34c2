// The dashboard in a real browser: Debian's chromium through playwright-core (installed by
// scripts/ensure-debian-packages.sh when missing), a page per browser context with every console
// error and CSP violation it reports, and screenshots in test-results/.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "bun:test";
import { type Browser, chromium, type Page } from "playwright-core";

const REPO = resolve(import.meta.dir, "../..");
const SCREENSHOTS = join(REPO, "test-results");

const installed = Bun.spawnSync(["bash", join(REPO, "scripts/ensure-debian-packages.sh"), "chromium"], { stderr: "pipe" });
if (installed.exitCode !== 0) throw new Error(`cannot install chromium: ${installed.stderr.toString()}`);

// No network on the test machines: without these chromium spends its start-up on updates and sync.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

export function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** A page in its own browser context, with every console error and CSP violation it reports. */
export interface OpenPage extends AsyncDisposable {
  page: Page;
  errors: string[];
}

// `token`: given to the page as the token form would (kept in the tab's sessionStorage).
export async function openPage(browser: Browser, url: string, viewport = DESKTOP, token: string | null = null): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  // where the token form keeps what it was given, so the page starts with it
  if (token !== null) await page.addInitScript(`sessionStorage.setItem("tsvisor-token", ${JSON.stringify(token)})`);
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  // An init script runs outside the page's CSP, so it can report what the CSP blocks. (Page-side
  // code is written as strings: the project's types have no DOM.)
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))`);
  const response = await page.goto(url);
  expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'sha256-[^']+'; style-src 'sha256-[^']+'/);
  return { page, errors, [Symbol.asyncDispose]: () => context.close() };
}

/** test-results/dashboard-NAME.png, the whole page. */
export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
