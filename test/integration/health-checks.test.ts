import { expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { Daemon, FIXTURES, freePort, readLines, tempDir, waitFor } from "./_harness.ts";
import { cpuShareOver } from "./_proc.ts";

const healthIs = (daemon: Daemon, name: string, health: ProcessStatus["health"]) =>
  waitFor(async () => {
    const s = await daemon.status(name);
    return s?.health === health ? s : undefined;
  }, `${name} to be ${health}`);

const server = (port: number, failFile: string) => JSON.stringify([process.execPath, join(FIXTURES, "health-server-fixture.ts"), String(port), failFile]);

// The fixture server as program "web" in `dir`, checked every 200 ms on `path` with the extra check keys.
function startWeb(dir: string, path: string, ...checkKeys: string[]) {
  const port = freePort();
  const fail = join(dir, "fail");
  const daemon = Daemon.start(dir, `
[programs.web]
command = ${server(port, fail)}
startsecs = 0
[programs.web.healthcheck]
http = "http://127.0.0.1:${port}${path}"
interval = "200ms"
${checkKeys.join("\n")}
`);
  return { daemon, fail };
}

test("an HTTP server that starts failing its health endpoint becomes unhealthy after retries, and check exits 1", async () => {
  using dir = tempDir();
  const { daemon: started, fail } = startWeb(dir.path, "/health", "retries = 3");
  await using daemon = started;
  await healthIs(daemon, "web", "healthy");
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);

  writeFileSync(fail, "");
  const failingSince = Date.now();
  const unhealthy = await healthIs(daemon, "web", "unhealthy");
  // retries (3) failed probes, an interval apart: two intervals at least, less timer slack
  expect(Date.now() - failingSince).toBeGreaterThanOrEqual(300);
  expect([unhealthy.state, unhealthy.health_error]).toEqual(["RUNNING", "HTTP 503"]);
  expect(await daemon.ctl(["check"])).toEqual({ stdout: "web: RUNNING but unhealthy (HTTP 503)\n", stderr: "", exitCode: 1 });
  expect((await daemon.ctl(["status"])).stdout).toMatch(/^web +RUNNING .* unhealthy +health check: HTTP 503$/m);
  await daemon.waitForLog(/unhealthy: HTTP 503 \(3 failed checks in a row\): web/);

  rmSync(fail); // one success is enough to be healthy again; the default only reports: same pid
  expect((await healthIs(daemon, "web", "healthy")).pid).toBe(unhealthy.pid);
  // Each change of health is an event (docs/events.md): healthy, unhealthy with the probe's error, healthy.
  const events = await waitFor(async () => {
    const { stdout } = await daemon.ctl(["events", "--type", "HEALTH_HEALTHY,HEALTH_UNHEALTHY", "--json"]);
    const list = stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; program: string; reason: string | null });
    return list.length >= 3 ? list : undefined;
  }, "three health events");
  expect(events.map((e) => [e.type, e.program, e.reason])).toEqual([
    ["HEALTH_HEALTHY", "web", null], ["HEALTH_UNHEALTHY", "web", "HTTP 503"], ["HEALTH_HEALTHY", "web", null],
  ]);
});

test(`on_unhealthy = "restart" restarts the program through the stop path and it is healthy again`, async () => {
  using dir = tempDir();
  // start_period: a restarted server that is still starting on a loaded machine is not yet a failure
  // (each restart for health counts toward the give-up after startretries)
  const { daemon: started, fail } = startWeb(dir.path, "/moved", "retries = 2", 'on_unhealthy = "restart"', 'start_period = "10s"');
  await using daemon = started;
  const before = await healthIs(daemon, "web", "healthy"); // a 302 counts as healthy
  writeFileSync(fail, "");
  await daemon.waitForLog(/restarting: web \(unhealthy: HTTP 503 \(2 failed checks in a row\)\)/);
  rmSync(fail);
  const after = await waitFor(async () => {
    const s = await daemon.status("web");
    return s?.health === "healthy" && s.pid !== before.pid ? s : undefined;
  }, "a new, healthy web");
  expect([after.restarts >= 1, after.restarted_because]).toEqual([true, "unhealthy: HTTP 503 (2 failed checks in a row)"]);
  expect(daemon.logLines(/stopped: web \(exit status 0|stopped: web \(terminated by SIGTERM\)/).length).toBeGreaterThanOrEqual(1);
});

test("a TCP probe is healthy while something accepts on the port, unhealthy on a refused connect", async () => {
  using dir = tempDir();
  const port = freePort();
  const closed = freePort();
  await using daemon = Daemon.start(dir.path, `
[programs.db]
command = ${server(port, join(dir.path, "never"))}
startsecs = 0
healthcheck = { tcp = "127.0.0.1:${port}", interval = "200ms" }
[programs.cache]
command = ["sleep", "1000"]
startsecs = 0
healthcheck = { tcp = "127.0.0.1:${closed}", interval = "200ms", retries = 1 }
`);
  await healthIs(daemon, "db", "healthy");
  expect((await healthIs(daemon, "cache", "unhealthy")).health_error).toBe("connection refused");
});

test("a command probe runs in the program's directory with its environment, and exit 0 is healthy", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.worker]
command = ["sleep", "1000"]
directory = "${dir.path}"
environment = { READY_FILE = "ready" }
startsecs = 0
healthcheck = { command = ["sh", "-c", "test -f \\"$READY_FILE\\" || exit 3"], interval = "200ms", retries = 1 }
`);
  expect((await healthIs(daemon, "worker", "unhealthy")).health_error).toBe("command exited with status 3");
  writeFileSync(join(dir.path, "ready"), ""); // relative to the program's directory
  await healthIs(daemon, "worker", "healthy");
});

test("failures within start_period do not count: the program stays starting until it ends", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.slow]
command = ["sleep", "1000"]
startsecs = 0
healthcheck = { command = ["false"], interval = "100ms", retries = 1, start_period = "1500ms" }
`);
  const starting = await healthIs(daemon, "slow", "starting");
  const unhealthy = await healthIs(daemon, "slow", "unhealthy");
  expect(Date.now() - starting.started_at!).toBeGreaterThanOrEqual(1500);
  expect(unhealthy.health_error).toBe("command exited with status 1");
});

// Regression: #19 — with on_unhealthy = "restart" the `unhealthy:` line was never logged, a return to
// healthy never was in any mode, and a program that stayed unhealthy was restarted forever.
test(`on_unhealthy = "restart" logs unhealthy and healthy again, and gives up after startretries restarts`, async () => {
  using dir = tempDir();
  const ok = join(dir.path, "ok");
  await using daemon = Daemon.start(dir.path, `
[programs.api]
command = ["sleep", "1000"]
startsecs = 0
startretries = 2
[programs.api.healthcheck]
command = ["test", "-e", "${ok}"]
interval = "200ms"
retries = 1
on_unhealthy = "restart"
`);
  await daemon.waitForLog(/unhealthy: command exited with status 1 \(1 failed check in a row\): api/);
  await daemon.waitForLog(/gave up: api stayed unhealthy after 2 restarts for its health check \(startretries\); left running, reported unhealthy/);
  expect(daemon.logLines(/restarting: api \(unhealthy/).length).toBe(2);
  const left = await daemon.status("api");
  expect([left?.state, left?.health]).toEqual(["RUNNING", "unhealthy"]);
  writeFileSync(ok, "");
  await daemon.waitForLog(/healthy again: api/);
  expect((await daemon.status("api"))?.pid).toBe(left?.pid);
});

// Regression: #19 — the HTTP probe reset the connection right after the status line, and a Python
// http.server logged a ConnectionResetError traceback for every probe whose page it was still writing.
test("an HTTP probe reads an answer of up to 64 KiB to its end: a Python http.server logs each probe and no error", async () => {
  using dir = tempDir();
  const port = freePort();
  const page = join(dir.path, "health");
  // the most a probe reads whole (a longer body is cut off there: the next test). Cancelling it
  // unread, the bug, got 2 to 5 of twenty probes reset here (a build with it, three runs).
  writeFileSync(page, "x".repeat(64 * 1024));
  await using daemon = Daemon.start(dir.path, `
[programs.py]
command = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", "${dir.path}", "${port}"]
startsecs = 0
[programs.py.healthcheck]
http = "http://127.0.0.1:${port}/health"
interval = "100ms"
`);
  await healthIs(daemon, "py", "healthy");
  const log = join(dir.path, "logs", "py.err.log");
  await waitFor(() => readLines(log).filter((l) => l.includes('"GET /health HTTP/1.1" 200')).length >= 20, "twenty probes in the server's log");
  expect(readLines(log).filter((l) => /Traceback|ConnectionResetError|BrokenPipe/.test(l))).toEqual([]);
});

// Regression (red team): a health endpoint that answered 200 and then sent a body forever kept
// tsvisor at ~85 % of a core for as long as the program ran: the probe read the answer to its end,
// that is for its whole `timeout`, every `interval`. A probe now reads at most 64 KiB of the body.
test("an HTTP probe answered 200 and an endless body stops reading: healthy at once, and tsvisor stays idle", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, `
[programs.stream]
command = ["python3", "${join(FIXTURES, "endless-body-fixture.py")}", "${port}"]
user = "nobody"
startsecs = 0
[programs.stream.healthcheck]
http = "http://127.0.0.1:${port}/health"
interval = "1s"
timeout = "20s"
`);
  await waitFor(() => readLines(join(dir.path, "logs", "stream.out.log")).length > 0, "the first probe's request");
  // three probes' worth of time: 0.03 of a core here; the binary before the fix used 0.75-0.87
  expect(await cpuShareOver(daemon.proc.pid, 3000)).toBeLessThan(0.25);
  // judged by its status line, long before the 20 s timeout (which would make it a failure)
  const healthy = await healthIs(daemon, "stream", "healthy");
  expect([healthy.state, healthy.health_error]).toEqual(["RUNNING", null]);
});
