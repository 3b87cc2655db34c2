// WATCHDOG=1 from `tsvisor run` as systemd's watchdog sees it (WatchdogSec= sets WATCHDOG_USEC).
import { expect, test } from "bun:test";
import { monotonicMicroseconds } from "../../src/os/monotonic-clock.ts";
import { NotifyListener, uniqueAbstractName } from "../systemd/_notify-listener.ts";
import { Daemon, tempDir } from "./_harness.ts";

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
