import { expect, test } from "bun:test";
import { normalizeSignalName, signalName, signalNumber } from "../../src/os/signals.ts";
import { PROTOTYPE_NAMES } from "../prototype-names.ts";

test.each([["TERM", 15], ["KILL", 9], ["USR1", 10], ["STKFLT", 16], ["RTMIN", 34], ["RTMIN+2", 36], ["RTMAX-1", 63]] as const)("signalNumber(%p) is %p, and signalName gives it back", (name, n) => {
  expect([signalNumber(name), signalName(n)]).toEqual([n, name]);
});

test("a number stays a number: signalNumber(\"34\") is 34, signalName(99) is \"99\"", () => {
  expect([signalNumber("34"), signalName(99)]).toEqual([34, "99"]);
});

test("an unknown signal name throws with the name", () => {
  expect(() => signalNumber("TREM")).toThrow('unknown signal name "TREM"');
});

test("no name of Object.prototype is a signal", () => {
  const found = PROTOTYPE_NAMES.flatMap((name) => [name, `SIG${name}`, name.toUpperCase()]).filter((name) => normalizeSignalName(name) !== null);
  expect(found).toEqual([]);
  for (const name of PROTOTYPE_NAMES) expect(() => signalNumber(name)).toThrow("unknown signal name");
});
