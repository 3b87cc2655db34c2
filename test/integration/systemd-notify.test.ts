// tsvisor run under a stand-in for systemd: a real unix datagram listener (Python) bound where
// NOTIFY_SOCKET points, as systemd's is for a Type=notify unit. What systemd would read is asserted.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { NotifyListener, uniqueAbstractName } from "../systemd/_notify-listener.ts";
import { Daemon, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";

test("READY=1 only once every autostart program is RUNNING; STATUS= follows the states; STOPPING=1 on SIGTERM", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(join(dir.path, "notify.sock"));
  const env = join(dir.path, "env");
  await using daemon = Daemon.start(dir.path, `
[programs.quick]
command = ["sleep", "1000"]
startsecs = 0
[programs.slow]
command = ["sh", "-c", "env > ${env}; exec sleep 1000"]
startsecs = 1.5
[programs.manual]
command = ["sleep", "1000"]
autostart = false
`, { env: { NOTIFY_SOCKET: listener.address } });
  const ready = await listener.next((m) => m.fields.READY === "1", "READY=1");
  const beforeReady = listener.messages.slice(0, listener.messages.indexOf(ready));
  // slow is RUNNING only after startsecs = 1.5: READY=1 waits for it, STATUS= shows the way there.
  expect(beforeReady.map((m) => m.raw)).toEqual(["STATUS=1 running, 1 starting, 1 stopped"]);
  expect(ready.raw).toBe("READY=1\nSTATUS=2 running, 1 stopped");
  expect(ready.t - beforeReady[0]!.t).toBeGreaterThanOrEqual(1_400_000);
  // systemd (NotifyAccess=main) accepts messages from the main pid only: tsvisor's own.
  expect(new Set(listener.messages.map((m) => m.pid))).toEqual(new Set([daemon.proc.pid]));
  // The programs do not see the socket: their READY=1 is not tsvisor's.
  expect(await waitFor(() => readLines(env).length > 0 && readLines(env).filter((l) => /^(NOTIFY_SOCKET|WATCHDOG_)/.test(l)), "slow's environment")).toEqual([]);

  const readyAt = listener.messages.length;
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  await listener.next((m) => m.raw === "STATUS=3 stopped", "the last STATUS", readyAt);
  const afterReady = listener.messages.slice(readyAt).map((m) => m.raw);
  // Both stop at once (same priority); whether "1 stopping, 2 stopped" shows depends on how the two
  // exits arrive, so only the sure steps are asserted.
  expect([afterReady[0], afterReady[1], afterReady.at(-1)]).toEqual(["STOPPING=1", "STATUS=2 stopping, 1 stopped", "STATUS=3 stopped"]);
});

test("an abstract NOTIFY_SOCKET (@name) works too, and a program tsvisor gives up on does not hold READY=1 back", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(uniqueAbstractName());
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
[programs.broken]
command = ["false"]
startsecs = 1
startretries = 0
`, { env: { NOTIFY_SOCKET: listener.address } });
  const ready = await listener.next((m) => m.fields.READY === "1", "READY=1");
  expect(ready.raw).toBe("READY=1\nSTATUS=1 running, 1 fatal");
  await daemon.waitForLog(/gave up: broken entered FATAL/);
});

test("a reload (SIGHUP) is RELOADING=1 with MONOTONIC_USEC, then READY=1 once the new config is applied", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(join(dir.path, "notify.sock"));
  const program = (name: string) => `[programs.${name}]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`;
  await using daemon = Daemon.start(dir.path, program("web"), { env: { NOTIFY_SOCKET: listener.address } });
  await listener.next((m) => m.fields.READY === "1", "READY=1 after start-up");
  const before = listener.messages.length;
  writeConfig(dir.path, program("web") + program("added"));
  daemon.signal("SIGHUP");
  const reloading = await listener.next((m) => m.fields.RELOADING === "1", "RELOADING=1", before);
  const ready = await listener.next((m) => m.fields.READY === "1", "READY=1 after the reload", before);
  await daemon.waitForLog(/reload: added added; unchanged web/);
  // systemd 253+ matches MONOTONIC_USEC against its own CLOCK_MONOTONIC reading of the reload.
  expect(Math.abs(Number(reloading.fields.MONOTONIC_USEC) - reloading.t)).toBeLessThan(1_000_000);
  expect(listener.messages.indexOf(reloading)).toBeLessThan(listener.messages.indexOf(ready));
});

// Regression: #19 — READY=1 went out while a program with a health check was RUNNING but not yet healthy.
test("READY=1 waits for a program's health check to pass, as depends_on does", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(join(dir.path, "notify.sock"));
  const healthy = join(dir.path, "healthy");
  await using daemon = Daemon.start(dir.path, `
[programs.api]
command = ["sleep", "1000"]
startsecs = 0
[programs.api.healthcheck]
command = ["test", "-e", "${healthy}"]
interval = "0.2s"
retries = 1000
`, { env: { NOTIFY_SOCKET: listener.address } });
  // RUNNING, probed and failing: not ready yet
  await waitFor(async () => (await daemon.status("api"))?.health_error != null, "api's first failed probe");
  expect(listener.messages.some((m) => m.fields.READY === "1")).toBe(false);
  await Bun.write(healthy, "");
  const ready = await listener.next((m) => m.fields.READY === "1", "READY=1 once healthy");
  expect(ready.raw).toBe("READY=1\nSTATUS=1 running");
});
