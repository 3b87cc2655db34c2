import { expect, test } from "bun:test";
import { backoffDelayMs, hasUsedUpRetries, isExpectedExit, shouldRestart } from "../../src/supervisor/backoff.ts";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";

const DEFAULTS = { backoff_delay: 1, backoff_factor: null, backoff_max: 300 };

test("by default the wait grows by a second per short run, as supervisord's retry delay", () => {
  expect([0, 1, 2, 3, 10].map((n) => backoffDelayMs(n, DEFAULTS))).toEqual([0, 1000, 2000, 3000, 10000]);
});

test("backoff_factor makes the growth exponential from backoff_delay, and backoff_max caps it", () => {
  const k8s = { backoff_delay: 10, backoff_factor: 2, backoff_max: 300 };
  expect([1, 2, 3, 4, 5, 6, 7, 1000].map((n) => backoffDelayMs(n, k8s) / 1000)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  expect([1, 2, 3].map((n) => backoffDelayMs(n, { backoff_delay: 0.5, backoff_factor: 1, backoff_max: 300 }))).toEqual([500, 500, 500]);
  expect(backoffDelayMs(400, DEFAULTS)).toBe(300_000); // the linear default is capped too
});

test("startretries = 3 is used up by the fourth failed start; unlimited never is", () => {
  expect([1, 3, 4].map((n) => hasUsedUpRetries(n, 3))).toEqual([false, false, true]);
  expect(hasUsedUpRetries(1, 0)).toBe(true);
  expect(hasUsedUpRetries(Number.MAX_SAFE_INTEGER, "unlimited")).toBe(false);
});

test.each([
  [exitedWith(0), [0], true],
  [exitedWith(2), [0, 2], true],
  [exitedWith(1), [0], false],
  [killedBy("TERM"), [0], false],
] as const)("exit %o with exitcodes %p is expected: %p", (status, codes, expected) => {
  expect(isExpectedExit(status, codes)).toBe(expected);
});

test.each([
  [true, true, true], [true, false, true], [false, true, false], [false, false, false],
  ["unexpected", true, false], ["unexpected", false, true],
] as const)("autorestart=%p, expected exit=%p: restart %p", (policy, expected, restart) => {
  expect(shouldRestart(policy, expected)).toBe(restart);
});
