import { expect, test } from "bun:test";
import { isExpectedExit, retryDelayMs, shouldRestart } from "../../src/supervisor/backoff.ts";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";

test("the retry delay grows by a second per failed start, as supervisord's", () => {
  expect([1, 2, 3, 10].map(retryDelayMs)).toEqual([1000, 2000, 3000, 10000]);
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
