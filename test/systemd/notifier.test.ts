// The notifier in this process, against a real datagram listener: what the daemon's integration
// tests cannot do from outside — block this very event loop, and read the clock at the same moment.
import { expect, test } from "bun:test";
import { createConsola, type LogObject } from "consola";
import { monotonicMicroseconds } from "../../src/os/monotonic-clock.ts";
import type { ProcessState } from "../../src/supervisor/states.ts";
import { notifySystemd, type SupervisedProcesses } from "../../src/systemd/notifier.ts";
import { NotifyListener, uniqueAbstractName } from "./_notify-listener.ts";

// A stand-in for the supervisor's two methods the notifier reads (not an OS mock: plain data).
function processes(states: Record<string, ProcessState>): SupervisedProcesses {
  return { snapshot: () => Object.entries(states).map(([name, state]) => ({ name, state })), onChange: () => () => {} };
}

function capturingLogger() {
  const entries: LogObject[] = [];
  return { entries, logger: createConsola({ level: 4, reporters: [{ log: (entry) => void entries.push(entry) }] }) };
}

test("RELOADING=1 carries MONOTONIC_USEC on the receiver's CLOCK_MONOTONIC; READY=1 follows with the status", async () => {
  await using listener = await NotifyListener.start(uniqueAbstractName());
  const { logger } = capturingLogger();
  const notifier = notifySystemd({ env: { NOTIFY_SOCKET: listener.address }, pid: process.pid, logger, processes: processes({ web: "RUNNING" }), autostartNames: ["web"] });
  await listener.next((m) => m.fields.READY === "1", "READY=1 after start-up");
  notifier.reloading();
  const reloading = await listener.next((m) => m.fields.RELOADING === "1", "RELOADING=1");
  notifier.ready();
  const ready = await listener.next((m) => m.fields.READY === "1", "READY=1 after the reload", listener.messages.indexOf(reloading) + 1);
  notifier.close();
  const sentAt = Number(reloading.fields.MONOTONIC_USEC);
  // Sent before it was received, and not long before: the same clock, not one counted from another origin.
  expect([sentAt <= reloading.t, reloading.t - sentAt < 1_000_000]).toEqual([true, true]);
  expect(ready.raw).toBe("READY=1\nSTATUS=1 running");
});

test("WATCHDOG=1 pings come from the event loop: none while it is blocked, again once it is free", async () => {
  await using listener = await NotifyListener.start(uniqueAbstractName());
  const { logger } = capturingLogger();
  const notifier = notifySystemd({
    env: { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "200000" }, pid: process.pid, logger, processes: processes({}), autostartNames: [],
  });
  await listener.next(() => listener.with("WATCHDOG").length >= 3, "three pings");
  // The listener stamps arrivals with CLOCK_MONOTONIC: read the same clock around the block.
  const blockedFrom = Number(monotonicMicroseconds());
  Bun.sleepSync(1000); // blocks this thread's event loop, as a stuck supervisor would
  const blockedUntil = Number(monotonicMicroseconds());
  await listener.next((m) => "WATCHDOG" in m.fields && m.t > blockedUntil, "a ping after the loop is free again");
  notifier.close();
  // The listener is another process: it would have received ~10 pings (one per 100 ms) during the
  // block had any been sent. 100 ms of slack for a ping sent just before the block and read late.
  const duringBlock = listener.with("WATCHDOG").filter((m) => m.t > blockedFrom + 100_000 && m.t < blockedUntil);
  expect(duringBlock).toEqual([]);
});

test("a notify socket that is gone is one warning, not an error per message, and nothing throws", () => {
  const { entries, logger } = capturingLogger();
  const notifier = notifySystemd({ env: { NOTIFY_SOCKET: "/nonexistent/notify" }, pid: process.pid, logger, processes: processes({}), autostartNames: [] });
  notifier.stopping();
  notifier.stopping();
  notifier.close();
  const lines = entries.filter((e) => String(e.args[0]).startsWith("unable to notify systemd"));
  expect(lines.map((e) => [e.type, e.args[0]])).toEqual([
    ["warn", "unable to notify systemd: sendto /nonexistent/notify: ENOENT"],
    ["debug", "unable to notify systemd: sendto /nonexistent/notify: ENOENT"],
  ]);
});

test("an unusable NOTIFY_SOCKET is reported once and tsvisor runs on without notifying", () => {
  const { entries, logger } = capturingLogger();
  const notifier = notifySystemd({ env: { NOTIFY_SOCKET: "vsock:2:999" }, pid: process.pid, logger, processes: processes({}), autostartNames: [] });
  notifier.ready();
  expect(entries.map((e) => [e.type, e.args[0]])).toEqual([
    ["warn", `NOTIFY_SOCKET="vsock:2:999" is not a unix socket address tsvisor can use; allowed: an absolute path ("/run/systemd/notify") or an abstract name ("@name"); not notifying systemd`],
  ]);
});
