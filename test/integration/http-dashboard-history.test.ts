// The dashboard's history view and help view in Chromium (as http-dashboard.test.ts drives the page)
// against the compiled tsvisor: a CPU and a memory chart per process with a marker at each start and
// exit, where the events were on the chart's time axis, updated live as a program crashes and is
// restarted; the events timeline; a phone-width screen; and the state graph of the help view, drawn
// from the machine's table. Screenshots in test-results/; any console error or CSP violation fails.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { sendRequest } from "../../src/control/client.ts";
import type { ProcessHistory } from "../../src/control/protocol.ts";
import { graphEdges } from "../../src/supervisor/state-graph.ts";
import { PROCESS_STATES } from "../../src/supervisor/states.ts";
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot } from "./_browser.ts";
import { Daemon, FIXTURES, freePort, tempDir, waitFor } from "./_harness.ts";

const TOKEN = "dashboard-history-token-0123456789";
const MiB = 1024 * 1024;

// crashy exits 3 when the test creates its trigger file (and is restarted); grow holds 20 MB more every 500 ms, three times.
const config = (dir: string, port: number) => `
[supervisor]
sample_interval = "200ms"

[http]
listen = "127.0.0.1:${port}"
token = "${TOKEN}"

[programs.crashy]
command = ["sh", "-c", "while [ ! -e ${dir}/crash ]; do sleep 0.05; done; rm ${dir}/crash; exit 3"]
startsecs = 0

[programs.grow]
command = ${JSON.stringify([process.execPath, join(FIXTURES, "memory-fixture.ts"), "20", "3", "500"])}
startsecs = 0
`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function history(daemon: Daemon, name: string): Promise<ProcessHistory> {
  const reply = await sendRequest(daemon.socket, { op: "history", names: [name] });
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  return reply.result.processes[0]!;
}

const openHistory = async (page: Page, name: string) => {
  await page.locator(`[data-process="${name}"] [data-action="history"]`).click();
  await page.locator("#cpu-chart svg").waitFor();
};

// The markers of a chart as drawn: kind, time, and where their line is across the chart, in px from
// the svg's left edge; with the chart's time axis (from, to, and the plot's left and right in px).
const markersOf = (page: Page, chart: string) =>
  page.locator(`${chart} svg`).evaluate((svg) => {
    const box = svg.getBoundingClientRect();
    const num = (name: string) => Number(svg.getAttribute(name));
    const markers = [...svg.querySelectorAll(".marker")].map((g) => {
      const line = g.querySelector("line")!.getBoundingClientRect();
      return { kind: g.getAttribute("data-kind")!, time: Number(g.getAttribute("data-time")), x: line.left + line.width / 2 - box.left, title: g.querySelector("title")!.textContent! };
    });
    return { from: num("data-from"), to: num("data-to"), left: num("data-left"), right: num("data-right"), markers };
  });

test("a crash and its restart appear on the open page's charts as markers where they happened, and in the timeline", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(dir.path, port));
  const first = await waitFor(async () => (await daemon.status("crashy"))?.pid, "crashy to run");
  await using open = await openPage(browser, `http://127.0.0.1:${port}/`, DESKTOP, TOKEN);
  await openHistory(open.page, "crashy");
  await waitFor(async () => (await markersOf(open.page, "#cpu-chart")).markers.length === 1, "the first start's marker");

  writeFileSync(join(dir.path, "crash"), "");
  // live: the page is not reloaded, the events stream brings the exit and the restart
  await waitFor(async () => (await markersOf(open.page, "#cpu-chart")).markers.length === 3, "markers for the exit and the restart");
  const { events } = await history(daemon, "crashy");
  expect(events.map((e) => [e.kind, e.pid === first])).toEqual([["start", true], ["exit", true], ["start", false]]);
  for (const chart of ["#cpu-chart", "#mem-chart"]) {
    const axis = await markersOf(open.page, chart);
    const xOf = (t: number) => axis.left + ((t - axis.from) / (axis.to - axis.from)) * (axis.right - axis.left);
    // one marker per event, of its kind, on the chart's time axis where the event's time is
    expect(axis.markers.map((m) => [m.kind, m.time, Math.abs(m.x - xOf(m.time)) < 1.5])).toEqual(events.map((e) => [e.kind, e.time, true]));
  }
  const { markers } = await markersOf(open.page, "#cpu-chart");
  expect(markers.map((m) => m.title.split(" · ")[0])).toEqual([
    `start pid ${first}: start`, `exit pid ${first}: exit status 3, not expected`, `start pid ${events[2]!.pid}: autorestart after a crash`,
  ]);
  // newest first, as a timeline reads
  expect(await open.page.locator("#timeline li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-kind")))).toEqual(["start", "exit", "start"]);
  expect(await open.page.locator("#timeline li").nth(1).innerText()).toContain(`exit pid ${first}: exit status 3, not expected`);
  await screenshot(open.page, "history-crash");
  expect(open.errors).toEqual([]);
});

test("the memory chart of a program that grows rises to what tsvisor measured", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(dir.path, port));
  await daemon.waitForSocket();
  await waitFor(async () => Math.max(...(await history(daemon, "grow")).samples.memory_bytes) > 60 * MiB, "grow above 60 MiB");
  await using open = await openPage(browser, `http://127.0.0.1:${port}/`, DESKTOP, TOKEN);
  await openHistory(open.page, "grow");
  // the line's points, in px: it starts low and ends high (y grows downwards)
  const ys = await waitFor(async () => {
    const d = await open.page.locator("#mem-chart path.line").getAttribute("d");
    const points = [...(d ?? "").matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => Number(m[2]));
    return points.length > 5 && points;
  }, "the memory line");
  // a rise of ~30 px here (the first sample may already have part of the growth: 29.9 px failed a CI run)
  expect(ys.at(-1)!).toBeLessThan(ys[0]! - 20);
  // the axis reaches what was measured
  const top = await open.page.locator("#mem-chart text").nth(2).textContent(); // 0, half, top, then the times
  expect(Number(/^([\d.]+) MiB$/.exec(top ?? "")?.[1])).toBeGreaterThanOrEqual(60);
  await screenshot(open.page, "history-memory");
  expect(open.errors).toEqual([]);
});

test("at phone width the history fits the screen, charts and timeline readable", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(dir.path, port));
  await daemon.waitForSocket();
  await waitFor(async () => (await history(daemon, "grow")).samples.time.length > 5, "a few samples of grow");
  await using open = await openPage(browser, `http://127.0.0.1:${port}/`, PHONE, TOKEN);
  await openHistory(open.page, "grow");
  await open.page.locator("#timeline li").first().waitFor();
  const sizes = await open.page.evaluate<{ scroll: number; client: number; chart: number }>(
    "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, chart: document.querySelector('#cpu-chart svg').getBoundingClientRect().width })");
  expect(sizes.scroll).toBeLessThanOrEqual(sizes.client);
  expect(sizes.chart).toBeGreaterThan(300); // the screen's width less the margins, not a thumbnail
  await open.page.locator("#history").scrollIntoViewIfNeeded();
  await screenshot(open.page, "history-phone");
  expect(open.errors).toEqual([]);
});

test("the help view draws the state graph of the machine's table: every state, one numbered arrow per edge with its causes", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, config(dir.path, port));
  await daemon.waitForLog(/http: listening on/); // the page is opened once the server is up, not on the first try
  await using open = await openPage(browser, `http://127.0.0.1:${port}/`, DESKTOP, TOKEN);
  await open.page.locator("#help-open").click();
  await open.page.locator("#state-graph").waitFor();
  const drawn = await open.page.locator("#state-graph").evaluate((svg) => ({
    states: [...svg.querySelectorAll(".g-state text")].map((t) => t.textContent),
    arrows: [...svg.querySelectorAll(".g-edge")].map((g) => `${g.getAttribute("data-from")}>${g.getAttribute("data-to")}`),
  }));
  const legend = await open.page.locator("#state-edges li").allInnerTexts();
  const edges = graphEdges();
  expect(drawn.states.toSorted()).toEqual([...PROCESS_STATES].sort());
  expect(drawn.arrows).toEqual(edges.map((e) => `${e.from}>${e.to}`));
  expect(legend).toEqual(edges.map((e) => `${e.from} → ${e.to} ${e.causes.join("; ")}`));
  await screenshot(open.page, "help");
  await open.page.setViewportSize(PHONE);
  const overflow = await open.page.evaluate<boolean>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
  expect(overflow).toBe(false); // the graph scrolls in its own box
  await screenshot(open.page, "help-phone");
  expect(open.errors).toEqual([]);
});
