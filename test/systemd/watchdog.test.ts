import { expect, test } from "bun:test";
import { watchdogIntervalMs } from "../../src/systemd/watchdog.ts";

const PID = 4242;

test.each([
  [{}, null], // not under a unit with WatchdogSec=
  [{ WATCHDOG_USEC: "" }, null],
  [{ WATCHDOG_USEC: "30000000" }, 15_000],
  [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "4242" }, 15_000],
  // The watchdog is another process's (a parent that passed its environment down): not ours to ping.
  [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "1" }, null],
  [{ WATCHDOG_USEC: "500" }, 1],
] as const)("%o: ping every %p ms", (env, ms) => {
  expect(watchdogIntervalMs(env, PID)).toBe(ms);
});

test.each(["abc", "-5", "0", "1.5"])("WATCHDOG_USEC=%p is refused and the watchdog is off", (value) => {
  expect(() => watchdogIntervalMs({ WATCHDOG_USEC: value }, PID)).toThrow(
    `WATCHDOG_USEC=${JSON.stringify(value)} is not a positive number of microseconds; the watchdog is off`,
  );
});
