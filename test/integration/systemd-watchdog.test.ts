// WATCHDOG=1 from `tsvisor run` as systemd's watchdog sees it (WatchdogSec= sets WATCHDOG_USEC).
import { expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monotonicMicroseconds } from "../../src/os/monotonic-clock.ts";
import { NotifyListener, uniqueAbstractName } from "../systemd/_notify-listener.ts";
import { Daemon, TSVISOR, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { descendantsOf } from "./_pidns.ts";

const CONFIG = `
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
`;

test("WATCHDOG=1 arrives at half of WATCHDOG_USEC, stops while tsvisor is frozen and resumes after", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(uniqueAbstractName());
  await using daemon = Daemon.start(dir.path, CONFIG, { env: { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "400000" } });
  await listener.next(() => listener.with("WATCHDOG").length >= 6, "six pings");
  const arrivals = listener.with("WATCHDOG").map((m) => m.t);
  const gapsMs = arrivals.slice(2, 6).map((t, i) => (t - arrivals[i + 1]!) / 1000).sort((a, b) => a - b);
  const medianMs = (gapsMs[1]! + gapsMs[2]!) / 2;
  expect(medianMs).toBeGreaterThan(150);
  expect(medianMs).toBeLessThan(300);

  // SIGSTOP freezes tsvisor as a hung process would be: no thread of it runs, so no ping may arrive
  // (a pinger in another process, say a forked helper, would keep pinging and fail this). That the
  // pings come from the JS event loop itself, not from some thread of tsvisor, is shown in-process
  // by test/systemd/notifier.test.ts, which blocks only the loop.
  const frozenFrom = Number(monotonicMicroseconds());
  daemon.signal("SIGSTOP");
  await Bun.sleep(1200); // an absence is only seen by waiting: six periods without a ping
  const frozenUntil = Number(monotonicMicroseconds());
  daemon.signal("SIGCONT");
  await listener.next((m) => "WATCHDOG" in m.fields && m.t > frozenUntil, "a ping after SIGCONT");
  // 100 ms of slack: a ping sent just before SIGSTOP may be stamped late by a busy listener.
  expect(listener.with("WATCHDOG").filter((m) => m.t > frozenFrom + 100_000 && m.t < frozenUntil)).toEqual([]);
});

// Regression: issue 15 (smaller items) — a WATCHDOG_USEC past 2^31-1 ms (WatchdogSec= of weeks) hit
// setInterval's clamp: WATCHDOG=1 every millisecond instead of every 58 days.
test("a watchdog of 116 days pings once at start, then not every millisecond", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(uniqueAbstractName());
  await using daemon = Daemon.start(dir.path, CONFIG, { env: { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "10000000000000" } });
  await listener.next((m) => "WATCHDOG" in m.fields, "the first ping");
  await daemon.waitForSocket();
  await Bun.sleep(500); // an absence is only seen by waiting: a clamped interval would ping ~500 times
  expect(listener.with("WATCHDOG").length).toBe(1);
});

// Regression: issue 15 item 17 — the watchdog's SIGABRT made Bun print "Bun has crashed, a bug in
// Bun"; the journal must say the watchdog fired. systemd records the rest itself ("Watchdog timeout",
// code=dumped, status=6/ABRT, result 'watchdog'), which SIGABRT's default action gives it.
test("the watchdog's SIGABRT: one line at priority 2 saying so, then death by SIGABRT, no crash banner", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(uniqueAbstractName());
  const stderrFile = join(dir.path, "stderr");
  writeFileSync(stderrFile, "");
  // stderr is "the journal stream": JOURNAL_STREAM names its device:inode, as systemd sets it.
  const identity = Bun.spawnSync(["stat", "-c", "%d:%i", stderrFile]).stdout.toString().trim();
  const fd = openSync(stderrFile, "a");
  const proc = Bun.spawn([TSVISOR, "run", "-c", writeConfig(dir.path, CONFIG)], {
    env: { ...process.env, NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "30000000", INVOCATION_ID: "5f1c0ffee", JOURNAL_STREAM: identity, TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") },
    stdin: "ignore", stdout: "ignore", stderr: fd,
  });
  closeSync(fd);
  await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
  await listener.next((m) => "WATCHDOG" in m.fields, "the first ping (the handler is armed before it)");
  // web past setpriv's prctl(PR_SET_PDEATHSIG) (it is `sleep` once exec'd), so that it dies with tsvisor
  await waitFor(() => descendantsOf(proc.pid).some((p) => p.comm === "sleep"), "web to run");
  proc.kill("SIGABRT"); // what systemd sends when WatchdogSec= passes without a ping (WatchdogSignal=)
  await proc.exited;
  const stderr = readFileSync(stderrFile, "utf8");
  expect({ signal: proc.signalCode, crashBanner: stderr.includes("Bun has crashed"), line: stderr.split("\n").filter((l) => l.includes("watchdog")) }).toEqual({
    signal: "SIGABRT", crashBanner: false, line: ["<2>watchdog: systemd's watchdog fired (no WATCHDOG=1 for 30 s); aborting"],
  });
});
