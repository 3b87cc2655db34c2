// The dashboard at / in a real browser (Debian's chromium through playwright-core) against the
// compiled tsvisor and real programs: what it lists, its buttons, its log view, read-only mode, the
// token form and a phone-width screen. Every test also fails on a console error or a CSP violation,
// which is how a wrong hash of the inline script or style would show.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { DESKTOP, launchBrowser, openPage as openIn, PHONE, screenshot } from "./_browser.ts";
import { Daemon, freePort, tempDir, waitFor } from "./_harness.ts";

const TOKEN = "dashboard-test-token-0123456789";

// With a token (a TCP server without one is read-only and shows no logs); openPage() gives it to the
// page as the token form would. web (with a health check) and ticker run, idle was never started, crashy gave up; ticker writes
// "tick N" every 200 ms. Samples often, so that CPU and memory show soon.
const config = (port: number, http = 'token = "${TSVISOR_TOKEN}"') => `
[supervisor]
sample_interval = "250ms"

[http]
listen = "127.0.0.1:${port}"
${http}

[programs.web]
command = ["sleep", "1000"]
startsecs = 0
[programs.web.healthcheck]
command = ["true"]
interval = "1s"

[programs.ticker]
command = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo \\"tick $i\\"; sleep 0.2; done"]
startsecs = 0

[programs.idle]
command = ["sleep", "1000"]
autostart = false

[programs.crashy]
command = ["sh", "-c", "echo 'crashy: no config' >&2; exit 3"]
startretries = 0
`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// Past start-up: every program in the state it stays in.
async function settled(daemon: Daemon): Promise<void> {
  await daemon.waitForLog(/gave up: crashy entered FATAL/);
  await waitFor(async () => (await daemon.status("web"))?.state === "RUNNING" && (await daemon.status("ticker"))?.state === "RUNNING", "web and ticker RUNNING");
}

const openPage = (url: string, viewport = DESKTOP, token: string | null = TOKEN) => openIn(browser, url, viewport, token);

const row = (page: Page, name: string) => page.locator(`[data-process="${name}"]`);
const field = (page: Page, name: string, f: string) => row(page, name).locator(`[data-field="${f}"]`).innerText();

// The names, states and pids the page shows, in its order.
const shown = (page: Page) =>
  page.locator("[data-process]").evaluateAll((trs) =>
    trs.map((tr) => {
      const text = (f: string) => tr.querySelector(`[data-field="${f}"]`)!.textContent!.trim();
      return { name: tr.getAttribute("data-process")!, state: text("state"), pid: text("pid") };
    }),
  );

// What `tsvisor status` says, in the page's form.
async function expected(daemon: Daemon) {
  const { stdout } = await daemon.ctl(["status", "--json"]);
  const { processes } = JSON.parse(stdout) as { processes: { name: string; state: string; pid: number | null }[] };
  return processes.map((p) => ({ name: p.name, state: p.state, pid: p.pid === null ? "-" : String(p.pid) }));
}


test("the page lists every process with its state and pid", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`);
  const want = await expected(daemon);
  expect(want.map((p) => p.name)).toEqual(["web", "ticker", "idle", "crashy"]);
  await waitFor(async () => Bun.deepEquals(await shown(open.page), want), "the page to show what tsvisor status shows");
  expect(await field(open.page, "web", "pid")).toBe(String((await daemon.status("web"))!.pid));
  expect(await field(open.page, "crashy", "state")).toBe("FATAL");
  // the figures that come later: health after the first probe, CPU and memory after two samples
  await waitFor(async () => (await field(open.page, "web", "health")) === "healthy", "web healthy on the page");
  await waitFor(async () => /^\d+(\.\d)? (KiB|MiB)$/.test(await field(open.page, "ticker", "rss")) && /^\d+\.\d%$/.test(await field(open.page, "ticker", "cpu")), "ticker's CPU and memory on the page");
  await screenshot(open.page, "desktop");
  expect(open.errors).toEqual([]);
});

test("a click on restart restarts that process: tsvisor status and the page show its new pid", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`);
  const before = String((await daemon.status("web"))!.pid);
  await waitFor(async () => (await field(open.page, "web", "pid")) === before, "the page to show web's pid");
  await row(open.page, "web").locator('[data-action="restart"]').click();
  const after = await waitFor(async () => {
    const web = await daemon.status("web");
    return web?.state === "RUNNING" && String(web.pid) !== before && String(web.pid);
  }, "web to run under a new pid");
  await waitFor(async () => (await field(open.page, "web", "pid")) === after, `the page to show web's new pid ${after}`);
  expect(await field(open.page, "web", "state")).toBe("RUNNING");
  expect(open.errors).toEqual([]);
});

test("a process stopped with tsvisor stop shows as STOPPED on the open page, without a reload", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`);
  await waitFor(async () => (await field(open.page, "web", "state")) === "RUNNING", "web RUNNING on the page");
  expect(await daemon.ctl(["stop", "web"])).toMatchObject({ stdout: "web: stopped\n", exitCode: 0 });
  await waitFor(async () => (await field(open.page, "web", "state")) === "STOPPED" && (await field(open.page, "web", "pid")) === "-", "web STOPPED on the page");
  expect(await row(open.page, "web").locator('[data-action="start"]').isEnabled()).toBe(true);
  expect(open.errors).toEqual([]);
});

test("the log view shows a line the program printed after the page was opened", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`);
  await row(open.page, "ticker").locator('[data-action="logs"]').click();
  const lines = open.page.locator("#log-view > div");
  await lines.first().waitFor();
  const tick = async () => Number(/^tick (\d+)$/.exec(await lines.last().innerText())?.[1]);
  const first = await tick();
  expect(first).toBeGreaterThan(0);
  await waitFor(async () => (await tick()) > first + 2, `a line after "tick ${first}"`);
  // each line its own element, in order, nothing else
  const texts = await lines.allInnerTexts();
  const numbers = texts.map((t) => Number(/^tick (\d+)$/.exec(t)?.[1]));
  expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  await screenshot(open.page, "logs");
  expect(open.errors).toEqual([]);
});

test("read_only = true hides the start, stop and restart buttons", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port, 'token = "${TSVISOR_TOKEN}"\nread_only = true'), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`);
  await waitFor(async () => (await shown(open.page)).length === 4, "four rows");
  expect(await open.page.locator('[data-action="start"], [data-action="stop"], [data-action="restart"]').count()).toBe(0);
  expect(await open.page.locator('[data-action="logs"]').count()).toBe(4);
  expect(await open.page.locator("#about").innerText()).toContain("read-only");
  await screenshot(open.page, "read-only");
  expect(open.errors).toEqual([]);
});

test("on a TCP port without a token the page is read-only and shows no logs, and says why", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port, ""));
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`, DESKTOP, null);
  await waitFor(async () => Bun.deepEquals(await shown(open.page), await expected(daemon)), "the page to show what tsvisor status shows");
  // no action and no log: the history is read as status is, and stays
  expect([await open.page.locator('button[data-action]:not([data-action="history"])').count(), await open.page.locator('[data-action="history"]').count()]).toEqual([0, 4]);
  expect(await open.page.locator("#about").innerText()).toContain("read-only, no logs: this server has no token");
  expect(await open.page.locator("#token-form").isHidden()).toBe(true);
  await screenshot(open.page, "no-token");
  expect(open.errors).toEqual([]);
});

test("with a token configured the page asks for it, refuses a wrong one, and lists the programs after the right one", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`, DESKTOP, null);
  const form = open.page.locator("#token-form");
  const input = form.locator('input[name="token"]');
  await form.waitFor();
  expect(await open.page.locator("[data-process]").count()).toBe(0);
  await input.fill("not-the-token-at-all");
  await input.press("Enter");
  await waitFor(async () => (await open.page.locator("#token-error").innerText()).includes("refused"), "the wrong token to be refused");
  await screenshot(open.page, "token");
  await input.fill(TOKEN);
  await form.locator('button[type="submit"]').click();
  await waitFor(async () => Bun.deepEquals(await shown(open.page), await expected(daemon)), "the programs after the token");
  expect(await form.isHidden()).toBe(true);
  // the tab keeps it: a reload lists them without asking
  await open.page.reload();
  await waitFor(async () => (await shown(open.page)).length === 4, "the programs after a reload");
  expect(await form.isHidden()).toBe(true);
  // the browser reports each 401 the page had to take to learn that a token is needed; nothing else
  const unexpected = open.errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e));
  expect(unexpected).toEqual([]);
});

test("at phone width (375 px) nothing overflows sideways and every row's buttons are on screen and thumb-sized", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(port), { env: { TSVISOR_TOKEN: TOKEN } });
  await settled(daemon);
  await using open = await openPage(`http://127.0.0.1:${port}/`, PHONE);
  await waitFor(async () => (await shown(open.page)).length === 4, "four rows");
  // a selected row (its log shown) is styled apart: it must keep the same layout
  await row(open.page, "ticker").locator('[data-action="logs"]').click();
  await open.page.locator("#log-view > div").first().waitFor();
  const { scrollWidth, clientWidth } = await open.page.evaluate<{ scrollWidth: number; clientWidth: number }>("({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })");
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  for (const name of ["web", "ticker", "idle", "crashy"]) {
    const card = (await row(open.page, name).boundingBox())!;
    const buttons = await Promise.all((await row(open.page, name).locator("button[data-action]").all()).map(async (b) => (await b.boundingBox())!));
    const restart = buttons[2]!;
    expect(await row(open.page, name).locator('[data-action="restart"]').isVisible()).toBe(true);
    // on screen, at least 44 px tall (a thumb), and the four share the card's width instead of huddling in a corner
    const width = buttons.reduce((sum, b) => sum + b.width, 0);
    expect({ name, onScreen: restart.x >= 0 && restart.x + restart.width <= PHONE.width, tall: buttons.every((b) => b.height >= 44), spread: width >= 0.8 * card.width })
      .toEqual({ name, onScreen: true, tall: true, spread: true });
  }
  await screenshot(open.page, "phone");
  expect(open.errors).toEqual([]);
});
