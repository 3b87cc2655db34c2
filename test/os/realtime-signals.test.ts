// The real-time signals' names, as bash's `kill -l` writes them, with this C library's numbers (glibc
// here: SIGRTMIN 34, SIGRTMAX 64; musl starts at 35).
import { expect, test } from "bun:test";
import { realtimeName, realtimeNumber, realtimeRange } from "../../src/os/realtime-signals.ts";
import { isForwardableUnnamed, normalizeSignalName } from "../../src/os/signals.ts";
import { signalsBunCannotCatch } from "../../src/os/unnamed-signals.ts";

test("the range is the C library's", () => {
  expect(realtimeRange()).toEqual({ min: 34, max: 64 });
});

test("names as bash's kill -l: the lower half counts up from RTMIN, the upper half down from RTMAX", () => {
  const bash = Bun.spawnSync(["bash", "-c", "for n in $(seq 34 64); do kill -l $n; done"]).stdout.toString().trim().split("\n");
  expect(Array.from({ length: 31 }, (_, i) => realtimeName(34 + i))).toEqual(bash.map((name) => name.replace(/^SIG/, "")));
});

test.each([
  ["RTMIN", 34], ["rtmin+2", 36], ["RTMAX-28", 36], ["RTMAX", 64], ["RTMIN+30", 64],
  ["RTMIN+31", null], ["RTMAX-31", null], ["RTMIN-1", null], ["RTMAX+1", null], ["RTMIN+", null], ["RT", null], ["RTMIN+1e1", null],
] as const)("realtimeNumber(%p) is %p", (name, n) => {
  expect(realtimeNumber(name)).toBe(n);
});

test("outside the range there is no real-time name", () => {
  expect([realtimeName(33), realtimeName(65), realtimeName(34.5)]).toEqual([null, null, null]);
});

test("normalizeSignalName gives one name per real-time signal, and they are forwardable", () => {
  expect(["sigrtmin+2", "RTMAX-28", "SIGRTMAX", "stkflt"].map(normalizeSignalName)).toEqual(["RTMIN+2", "RTMIN+2", "RTMAX", "STKFLT"]);
  expect(["RTMIN+2", "STKFLT", "USR1", "PWR"].map(isForwardableUnnamed)).toEqual([true, true, false, false]);
});

test("what Bun's process.on cannot catch: STKFLT and every real-time signal", () => {
  const names = signalsBunCannotCatch();
  expect([names.length, names.slice(0, 3), names.at(-1)]).toEqual([32, ["STKFLT", "RTMIN", "RTMIN+1"], "RTMAX"]);
});
