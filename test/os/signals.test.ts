import { expect, test } from "bun:test";
import { signalName, signalNumber } from "../../src/os/signals.ts";

test.each([["TERM", 15], ["KILL", 9], ["USR1", 10], ["34", 34]] as const)("signalNumber(%p) is %p, and signalName gives it back", (name, n) => {
  expect([signalNumber(name), signalName(n)]).toEqual([n, name]);
});

test("an unknown signal name throws with the name", () => {
  expect(() => signalNumber("TREM")).toThrow('unknown signal name "TREM"');
});
